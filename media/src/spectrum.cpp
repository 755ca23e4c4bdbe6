// Spectral measurements over FFmpeg's av_tx real FFT (see spectrum.h).

extern "C" {
#include <libavutil/mem.h>
#include <libavutil/tx.h>
}

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentcast/media/spectrum.h"

namespace agentcast::media {

namespace {

constexpr std::size_t kMinSamples = 64;
// Longer inputs are analysed in their middle 2^18 samples (5.5 s at 48 kHz; bins of 0.18 Hz
// before interpolation). Beyond that FFmpeg 5.1's RDFT falls back to a path that is orders
// of magnitude slower (2^19 points took minutes where 2^18 takes 50 ms).
constexpr std::size_t kMaxSamples = std::size_t{1} << 18;

struct TxDeleter {
  void operator()(AVTXContext* context) const noexcept { av_tx_uninit(&context); }
};
struct AvFree {
  void operator()(void* memory) const noexcept { av_free(memory); }
};

struct PowerSpectrum {
  std::vector<double> power;  // |X[k]|^2 for k = 0 .. fft_size/2
  double bin_hz = 0.0;        // spacing of the bins
  double lobe_hz = 0.0;       // resolution of the analysed block: sample_rate / samples
};

// Power spectrum of the Hann-windowed block, zero-padded to a power of two (av_tx supports
// other lengths, but a power of two is its fastest path and gives interpolation denser bins).
PowerSpectrum power_spectrum(std::span<const std::int16_t> samples, int sample_rate) {
  if (sample_rate <= 0) {
    throw std::invalid_argument("spectrum: bad sample rate " + std::to_string(sample_rate));
  }
  if (samples.size() > kMaxSamples) {
    samples = samples.subspan((samples.size() - kMaxSamples) / 2, kMaxSamples);
  }
  const std::size_t count = samples.size();
  const std::size_t fft_size = std::bit_ceil(count);

  AVTXContext* raw = nullptr;
  av_tx_fn transform = nullptr;
  const float scale = 1.0f;
  const int status = av_tx_init(&raw, &transform, AV_TX_FLOAT_RDFT, /*inv=*/0,
                                static_cast<int>(fft_size), &scale, 0);
  const std::unique_ptr<AVTXContext, TxDeleter> context(raw);
  if (status < 0 || !context) {
    throw std::runtime_error("spectrum: av_tx_init failed for " + std::to_string(fft_size) +
                             " points");
  }
  // av_calloc: av_tx's SIMD paths need its alignment, and zeroes are the padding.
  const std::unique_ptr<float[], AvFree> in(
      static_cast<float*>(av_calloc(fft_size, sizeof(float))));
  const std::unique_ptr<AVComplexFloat[], AvFree> out(
      static_cast<AVComplexFloat*>(av_calloc(fft_size / 2 + 1, sizeof(AVComplexFloat))));
  if (!in || !out) throw std::runtime_error("spectrum: out of memory");

  const double step = 2.0 * std::numbers::pi / static_cast<double>(count - 1);
  for (std::size_t i = 0; i < count; ++i) {
    const double hann = 0.5 - 0.5 * std::cos(step * static_cast<double>(i));
    in[i] = static_cast<float>(hann * samples[i] / 32768.0);
  }
  transform(context.get(), out.get(), in.get(), sizeof(float));

  PowerSpectrum spectrum;
  spectrum.power.resize(fft_size / 2 + 1);
  for (std::size_t k = 0; k < spectrum.power.size(); ++k) {
    const double re = out[k].re;
    const double im = out[k].im;
    spectrum.power[k] = re * re + im * im;
  }
  spectrum.bin_hz = static_cast<double>(sample_rate) / static_cast<double>(fft_size);
  spectrum.lobe_hz = static_cast<double>(sample_rate) / static_cast<double>(count);
  return spectrum;
}

std::size_t first_bin(const PowerSpectrum& spectrum) {
  return std::max<std::size_t>(
      1, static_cast<std::size_t>(std::ceil(kSpectrumMinFrequencyHz / spectrum.bin_hz)));
}

}  // namespace

double dominant_frequency(std::span<const std::int16_t> samples, int sample_rate) {
  if (sample_rate <= 0) {
    throw std::invalid_argument("spectrum: bad sample rate " + std::to_string(sample_rate));
  }
  if (samples.size() < kMinSamples) return 0.0;
  const PowerSpectrum spectrum = power_spectrum(samples, sample_rate);
  const std::vector<double>& p = spectrum.power;
  const std::size_t low = first_bin(spectrum);
  if (low + 2 >= p.size()) return 0.0;

  std::size_t peak = low;
  for (std::size_t k = low; k + 1 < p.size(); ++k) {
    if (p[k] > p[peak]) peak = k;
  }
  if (p[peak] <= 0.0) return 0.0;

  // Parabola through the log magnitudes of the peak and its neighbours; a Hann window's
  // main lobe is close to Gaussian, for which this is exact. The tiny floor keeps log()
  // finite next to an exactly empty bin.
  // (peak >= low >= 1, and peak + 1 < p.size(), so both neighbours exist.)
  constexpr double kFloor = 1e-30;
  const double a = std::log(p[peak - 1] + kFloor);
  const double b = std::log(p[peak] + kFloor);
  const double c = std::log(p[peak + 1] + kFloor);
  const double curvature = a - 2.0 * b + c;
  const double offset = curvature < 0.0 ? std::clamp(0.5 * (a - c) / curvature, -0.5, 0.5) : 0.0;
  return (static_cast<double>(peak) + offset) * spectrum.bin_hz;
}

double tone_to_noise_db(std::span<const std::int16_t> samples, int sample_rate,
                        double frequency_hz) {
  if (sample_rate <= 0) {
    throw std::invalid_argument("spectrum: bad sample rate " + std::to_string(sample_rate));
  }
  constexpr double kNothing = -200.0;
  constexpr double kSpotless = 200.0;
  if (samples.size() < kMinSamples) return kNothing;
  const PowerSpectrum spectrum = power_spectrum(samples, sample_rate);

  // The Hann main lobe spans +-2 resolution bins; +-8 also takes in the first sidelobes,
  // which hold the rest of a pure tone's leaked power down to about -70 dB, and 1 Hz allows
  // for a tone that is slightly off its nominal frequency.
  const double half_width = 8.0 * spectrum.lobe_hz + 1.0;
  double tone = 0.0;
  double rest = 0.0;
  for (std::size_t k = first_bin(spectrum); k < spectrum.power.size(); ++k) {
    const double f = static_cast<double>(k) * spectrum.bin_hz;
    (std::abs(f - frequency_hz) <= half_width ? tone : rest) += spectrum.power[k];
  }
  if (tone <= 0.0) return kNothing;
  if (rest <= 0.0) return kSpotless;
  return std::clamp(10.0 * std::log10(tone / rest), kNothing, kSpotless);
}

double longest_silence_ms(std::span<const std::int16_t> samples, int sample_rate, int threshold) {
  if (sample_rate <= 0) {
    throw std::invalid_argument("spectrum: bad sample rate " + std::to_string(sample_rate));
  }
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const std::int16_t sample : samples) {
    if (std::abs(static_cast<int>(sample)) <= threshold) {
      longest = std::max(longest, ++run);
    } else {
      run = 0;
    }
  }
  return 1000.0 * static_cast<double>(longest) / sample_rate;
}

double rms(std::span<const std::int16_t> samples) {
  if (samples.empty()) return 0.0;
  double sum = 0.0;
  for (const std::int16_t sample : samples)
    sum += static_cast<double>(sample) * sample;
  return std::sqrt(sum / static_cast<double>(samples.size()));
}

}  // namespace agentcast::media
