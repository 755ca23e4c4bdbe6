#include "av_file_util.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace agentcast::media::detail {

PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

std::string av_error_text(int errnum) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(errnum, text, sizeof text);
  return text;
}

std::vector<NalUnit> split_annexb(const std::uint8_t* data, std::size_t size) {
  auto find_start_code = [&](std::size_t from) {
    for (std::size_t k = from; k + 2 < size; ++k) {
      if (data[k] == 0 && data[k + 1] == 0 && data[k + 2] == 1) return k;
    }
    return size;
  };
  std::vector<NalUnit> nals;
  std::size_t code = find_start_code(0);
  while (code < size) {
    NalUnit nal;
    nal.begin = (code > 0 && data[code - 1] == 0) ? code - 1 : code;
    nal.payload = code + 3;
    const std::size_t next = find_start_code(nal.payload);
    // A 4-byte start code's leading zero belongs to the next unit, not to this one.
    nal.end = (next < size && next > nal.payload && data[next - 1] == 0) ? next - 1 : next;
    if (nal.payload < nal.end) {
      nal.type = data[nal.payload] & 0x1f;
      nals.push_back(nal);
    }
    code = next;
  }
  return nals;
}

bool has_nal(const std::vector<NalUnit>& nals, int type) {
  for (const NalUnit& nal : nals) {
    if (nal.type == type) return true;
  }
  return false;
}

std::vector<std::uint8_t> parameter_sets_of(const std::uint8_t* data,
                                            const std::vector<NalUnit>& nals) {
  static constexpr std::uint8_t kStartCode[] = {0, 0, 0, 1};
  std::vector<std::uint8_t> sets;
  for (const NalUnit& nal : nals) {
    if (nal.type != kNalSps && nal.type != kNalPps) continue;
    sets.insert(sets.end(), std::begin(kStartCode), std::end(kStartCode));
    sets.insert(sets.end(), data + nal.payload, data + nal.end);
  }
  return sets;
}

void ParameterSetCache::seed(const std::uint8_t* data, std::size_t size) {
  // avcC extradata (which the filter leaves alone on failure) is not Annex B; ignore it.
  if (data == nullptr || size < 4 || data[0] != 0 || data[1] != 0) return;
  const auto nals = split_annexb(data, size);
  if (has_nal(nals, kNalSps) && has_nal(nals, kNalPps)) sets_ = parameter_sets_of(data, nals);
}

bool ParameterSetCache::complete(std::vector<std::uint8_t>& au) {
  const auto nals = split_annexb(au.data(), au.size());
  const bool idr = has_nal(nals, kNalIdr);
  if (has_nal(nals, kNalSps) && has_nal(nals, kNalPps)) {
    sets_ = parameter_sets_of(au.data(), nals);
  } else if (idr && !sets_.empty()) {
    const std::size_t at = nals.front().type == kNalAud ? nals.front().end : nals.front().begin;
    au.insert(au.begin() + static_cast<std::ptrdiff_t>(at), sets_.begin(), sets_.end());
  }
  return idr;
}

FormatInputPtr open_input(const std::string& path) {
  // FFmpeg says "No such file or directory" without the name; stat first so that the
  // message names both the file and the reason.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw std::runtime_error("file:" + path + ": cannot open: " + std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) {
    throw std::runtime_error("file:" + path + ": is a directory, not a media file");
  }
  AVFormatContext* raw = nullptr;
  if (const int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); rc < 0) {
    throw std::runtime_error("file:" + path + ": not a media file FFmpeg can read (" +
                             av_error_text(rc) + ")");
  }
  FormatInputPtr input(raw);
  // The "tty" demuxer accepts any text file as ANSI art; nobody means that by a video file.
  if (std::string_view(input->iformat->name) == "tty") {
    throw std::runtime_error("file:" + path + ": not a media file (it looks like plain text)");
  }
  if (const int rc = avformat_find_stream_info(input.get(), nullptr); rc < 0) {
    throw std::runtime_error("file:" + path + ": cannot read its streams (" + av_error_text(rc) +
                             ")");
  }
  return input;
}

StreamReader::StreamReader(FormatInputPtr input, AVMediaType type) : input_(std::move(input)) {
  const int index = av_find_best_stream(input_.get(), type, -1, -1, nullptr, 0);
  // Packets of the other streams are skipped by the demuxer instead of being handed to us.
  for (unsigned i = 0; i < input_->nb_streams; ++i) {
    input_->streams[i]->discard = static_cast<int>(i) == index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  }
  if (index >= 0) stream_ = input_->streams[index];
}

std::int64_t StreamReader::origin_us() const {
  return input_->start_time == AV_NOPTS_VALUE ? 0 : input_->start_time;
}

std::int64_t StreamReader::duration_us() const {
  return input_->duration == AV_NOPTS_VALUE || input_->duration < 0 ? 0 : input_->duration;
}

int StreamReader::read(AVPacket* packet) {
  for (;;) {
    av_packet_unref(packet);
    const int rc = av_read_frame(input_.get(), packet);
    if (rc < 0) return rc;
    if (packet->stream_index == stream_->index) return 0;
  }
}

bool StreamReader::rewind() {
  const std::int64_t start = origin_us();
  if (av_seek_frame(input_.get(), -1, start, AVSEEK_FLAG_BACKWARD) >= 0) return true;
  return avformat_seek_file(input_.get(), -1, INT64_MIN, start, start, 0) >= 0;
}

CodecContextPtr open_decoder(const AVStream* stream, const std::string& path) {
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (codec == nullptr) {
    throw std::runtime_error("file:" + path + ": no decoder for its " +
                             avcodec_get_name(stream->codecpar->codec_id) + " stream");
  }
  CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) throw std::bad_alloc();
  int rc = avcodec_parameters_to_context(context.get(), stream->codecpar);
  context->pkt_timebase = stream->time_base;
  if (rc >= 0) rc = avcodec_open2(context.get(), codec, nullptr);
  if (rc < 0) {
    throw std::runtime_error("file:" + path + ": cannot open the " + codec->name + " decoder (" +
                             av_error_text(rc) + ")");
  }
  return context;
}

BsfPtr open_annexb_filter(const AVStream* stream, const std::string& path) {
  const AVBitStreamFilter* filter = av_bsf_get_by_name("h264_mp4toannexb");
  AVBSFContext* raw = nullptr;
  if (filter == nullptr || av_bsf_alloc(filter, &raw) < 0) {
    throw std::runtime_error("file:" + path + ": the h264_mp4toannexb filter is unavailable");
  }
  BsfPtr bsf(raw);
  int rc = avcodec_parameters_copy(bsf->par_in, stream->codecpar);
  bsf->time_base_in = stream->time_base;
  if (rc >= 0) rc = av_bsf_init(bsf.get());
  if (rc < 0) {
    throw std::runtime_error("file:" + path + ": cannot convert its H.264 to Annex B (" +
                             av_error_text(rc) + ")");
  }
  return bsf;
}

std::int64_t packet_time_us(const AVPacket* packet, AVRational time_base) {
  const std::int64_t ts = packet->dts != AV_NOPTS_VALUE ? packet->dts : packet->pts;
  return ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, time_base, av_get_time_base_q());
}

}  // namespace agentcast::media::detail
