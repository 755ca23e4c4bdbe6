// WAV writing and reading (16-bit PCM only).

#include "agentcast/media/wav.h"

#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>

namespace agentcast::media {

namespace {

constexpr std::uint32_t kHeaderBytes = 44;
constexpr std::uint32_t kRiffSizeOffset = 4;
constexpr std::uint32_t kDataSizeOffset = 40;
constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;

void put_u16(std::uint8_t* out, std::uint16_t value) {
  out[0] = static_cast<std::uint8_t>(value);
  out[1] = static_cast<std::uint8_t>(value >> 8);
}
void put_u32(std::uint8_t* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}
std::uint16_t get_u16(const std::uint8_t* in) {
  return static_cast<std::uint16_t>(in[0] | (in[1] << 8));
}
std::uint32_t get_u32(const std::uint8_t* in) {
  return std::uint32_t{in[0]} | (std::uint32_t{in[1]} << 8) | (std::uint32_t{in[2]} << 16) |
         (std::uint32_t{in[3]} << 24);
}

std::string quoted(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

}  // namespace

WavWriter::WavWriter(const std::filesystem::path& path, int sample_rate, int channels)
    : path_(path) {
  if (sample_rate <= 0 || sample_rate > 768'000) {
    throw std::invalid_argument("wav: bad sample rate " + std::to_string(sample_rate));
  }
  if (channels <= 0 || channels > 16) {
    throw std::invalid_argument("wav: bad channel count " + std::to_string(channels));
  }
  patch_interval_samples_ = static_cast<std::uint64_t>(sample_rate) * channels;  // ~1 s

  file_.reset(std::fopen(path.c_str(), "wb"));
  if (!file_) {
    throw std::runtime_error("wav: cannot open " + quoted(path) +
                             " for writing: " + std::strerror(errno));
  }
  std::array<std::uint8_t, kHeaderBytes> header{};
  std::memcpy(&header[0], "RIFF", 4);
  put_u32(&header[4], kHeaderBytes - 8);  // patched as data arrives
  std::memcpy(&header[8], "WAVEfmt ", 8);
  put_u32(&header[16], 16);
  put_u16(&header[20], kFormatPcm);
  put_u16(&header[22], static_cast<std::uint16_t>(channels));
  put_u32(&header[24], static_cast<std::uint32_t>(sample_rate));
  put_u32(&header[28], static_cast<std::uint32_t>(sample_rate * channels * 2));  // bytes/s
  put_u16(&header[32], static_cast<std::uint16_t>(channels * 2));                // block align
  put_u16(&header[34], 16);                                                      // bits
  std::memcpy(&header[36], "data", 4);
  put_u32(&header[40], 0);
  if (std::fwrite(header.data(), 1, header.size(), file_.get()) != header.size()) {
    throw std::runtime_error("wav: cannot write " + quoted(path) + ": " + std::strerror(errno));
  }
}

WavWriter::~WavWriter() {
  try {
    close();
  } catch (const std::exception&) {
    // A destructor cannot report; callers who care call close() themselves.
  }
}

void WavWriter::write(std::span<const std::int16_t> samples) {
  if (!file_) throw std::logic_error("wav: write after close on " + quoted(path_));
  const std::uint64_t total_bytes = (samples_written_ + samples.size()) * 2 + kHeaderBytes - 8;
  if (total_bytes > std::numeric_limits<std::uint32_t>::max()) {
    throw std::runtime_error("wav: " + quoted(path_) + " would exceed the 4 GiB WAV limit");
  }
  std::size_t written = 0;
  if constexpr (std::endian::native == std::endian::little) {
    written = std::fwrite(samples.data(), sizeof(std::int16_t), samples.size(), file_.get());
  } else {
    for (const std::int16_t sample : samples) {
      std::uint8_t bytes[2];
      put_u16(bytes, static_cast<std::uint16_t>(sample));
      if (std::fwrite(bytes, 1, 2, file_.get()) != 2) break;
      ++written;
    }
  }
  samples_written_ += written;
  if (written != samples.size()) {
    throw std::runtime_error("wav: cannot write " + quoted(path_) + ": " + std::strerror(errno));
  }
  if (samples_written_ - samples_at_last_patch_ >= patch_interval_samples_) patch_sizes();
}

void WavWriter::patch_sizes() {
  const std::uint32_t data_bytes = static_cast<std::uint32_t>(samples_written_ * 2);
  std::uint8_t riff_size[4];
  std::uint8_t data_size[4];
  put_u32(riff_size, data_bytes + kHeaderBytes - 8);
  put_u32(data_size, data_bytes);
  std::FILE* file = file_.get();
  const bool ok =
      std::fseek(file, kRiffSizeOffset, SEEK_SET) == 0 && std::fwrite(riff_size, 1, 4, file) == 4 &&
      std::fseek(file, kDataSizeOffset, SEEK_SET) == 0 && std::fwrite(data_size, 1, 4, file) == 4 &&
      std::fseek(file, 0, SEEK_END) == 0 && std::fflush(file) == 0;
  if (!ok) {
    throw std::runtime_error("wav: cannot update " + quoted(path_) + ": " + std::strerror(errno));
  }
  samples_at_last_patch_ = samples_written_;
}

void WavWriter::close() {
  if (!file_) return;
  // The file is closed whatever happens, so that the destructor's close() is a no-op.
  std::string failure;
  try {
    patch_sizes();
  } catch (const std::runtime_error& error) {
    failure = error.what();
  }
  if (std::fclose(file_.release()) != 0 && failure.empty()) {
    failure = "wav: cannot close " + quoted(path_) + ": " + std::strerror(errno);
  }
  if (!failure.empty()) throw std::runtime_error(failure);
}

WavData read_wav(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("wav: cannot open " + quoted(path) + ": " + std::strerror(errno));
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("wav: cannot read " + quoted(path));

  const auto not_wav = [&](const std::string& why) {
    return std::runtime_error("wav: " + quoted(path) + " is not a 16-bit PCM WAV file (" + why +
                              ")");
  };
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 ||
      std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
    throw not_wav("no RIFF/WAVE header");
  }

  WavData wav;
  bool have_format = false;
  std::size_t at = 12;
  while (bytes.size() - at >= 8) {
    const std::uint8_t* chunk = bytes.data() + at;
    const std::uint32_t size = get_u32(chunk + 4);
    const std::size_t body = at + 8;
    const std::size_t available = bytes.size() - body;
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      if (size < 16 || size > available) throw not_wav("bad fmt chunk");
      const std::uint8_t* f = bytes.data() + body;
      std::uint16_t format = get_u16(f);
      if (format == kFormatExtensible) {
        // The real format tag is the first two bytes of the SubFormat GUID.
        if (size < 40) throw not_wav("short WAVE_FORMAT_EXTENSIBLE chunk");
        format = get_u16(f + 24);
      }
      if (format != kFormatPcm) throw not_wav("format tag " + std::to_string(format));
      if (get_u16(f + 14) != 16) throw not_wav(std::to_string(get_u16(f + 14)) + "-bit samples");
      wav.channels = get_u16(f + 2);
      wav.sample_rate = static_cast<int>(get_u32(f + 4));
      if (wav.channels == 0 || wav.sample_rate <= 0) throw not_wav("no channels or no rate");
      have_format = true;
    } else if (std::memcmp(chunk, "data", 4) == 0) {
      if (!have_format) throw not_wav("data before fmt");
      std::size_t data_bytes = size;
      if (data_bytes > available) {
        data_bytes = available;
        wav.truncated = true;
      }
      const std::size_t frame_bytes = static_cast<std::size_t>(wav.channels) * 2;
      const std::size_t count = data_bytes / frame_bytes * wav.channels;
      wav.samples.resize(count);
      const std::uint8_t* d = bytes.data() + body;
      for (std::size_t i = 0; i < count; ++i) {
        wav.samples[i] = static_cast<std::int16_t>(get_u16(d + 2 * i));
      }
      return wav;
    }
    if (size > available) break;
    at = body + size + (size & 1);  // chunks are padded to an even length
  }
  throw not_wav(have_format ? "no data chunk" : "no fmt chunk");
}

}  // namespace agentcast::media
