#pragma once
// WAV files of 16-bit PCM: the viewer's `--audio-out wav:PATH`, and what tests read back to
// check that a tone survived the trip.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "agentcast/media/media_types.h"

namespace agentcast::media {

// Writes a canonical 44-byte-header RIFF/WAVE file of 16-bit little-endian PCM.
//
// The size fields are patched on close() and, so that a viewer that is killed still leaves
// a playable file, about once a second of audio while writing. Not thread-safe.
class WavWriter {
 public:
  // Creates (truncates) `path`. Throws std::runtime_error naming the path and the reason if
  // it cannot be opened; std::invalid_argument for a rate or channel count out of range.
  explicit WavWriter(const std::filesystem::path& path, int sample_rate = kAudioSampleRate,
                     int channels = kAudioChannels);
  ~WavWriter();  // closes; errors there are swallowed (call close() to see them)
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;

  // Appends interleaved samples. Throws std::runtime_error on a write error (disk full) or
  // when the file would pass the 4 GiB that RIFF sizes can describe; after close(), throws
  // std::logic_error.
  void write(std::span<const std::int16_t> samples);
  void write(const AudioFrame& frame) { write(frame.samples); }

  // Patches the header and closes the file. Idempotent. Throws std::runtime_error if the
  // final writes fail.
  void close();

  std::uint64_t samples_written() const noexcept { return samples_written_; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const noexcept { std::fclose(file); }
  };

  void patch_sizes();

  std::filesystem::path path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::uint64_t samples_written_ = 0;
  std::uint64_t samples_at_last_patch_ = 0;
  std::uint64_t patch_interval_samples_;
};

struct WavData {
  int sample_rate = 0;
  int channels = 0;
  std::vector<std::int16_t> samples;  // interleaved
  // The data chunk claimed more bytes than the file holds (a writer that was killed before
  // patching its header); `samples` holds what is there.
  bool truncated = false;
};

// Reads a 16-bit PCM WAV file (WAVE_FORMAT_PCM, or EXTENSIBLE with a PCM subformat).
// Throws std::runtime_error naming the path if it cannot be read, is not RIFF/WAVE, or
// holds another sample format.
WavData read_wav(const std::filesystem::path& path);

}  // namespace agentcast::media
