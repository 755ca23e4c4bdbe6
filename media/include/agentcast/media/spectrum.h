#pragma once
// Measurements on received audio: which tone it holds, how clean it is, and whether it has
// gaps. Used by the audio tests and by the end-to-end test on the viewer's WAV output.
//
// The transform is FFmpeg's av_tx real FFT over a Hann-windowed block zero-padded to a
// power of two; the peak's frequency is refined by parabolic interpolation of the log
// magnitude around the strongest bin, which for a Hann window is accurate to a small
// fraction of a bin (well under 0.1 Hz for a clean 2 s tone).

#include <cstdint>
#include <span>

namespace agentcast::media {

// Frequencies below this are ignored as DC offset and rumble.
inline constexpr double kSpectrumMinFrequencyHz = 20.0;

// The frequency in Hz of the strongest spectral component above kSpectrumMinFrequencyHz,
// or 0.0 if there are fewer than 64 samples or no signal at all. Inputs longer than 2^18
// samples (about 5.5 s at 48 kHz) are analysed over their middle 2^18 samples.
// Throws std::invalid_argument for sample_rate <= 0 and std::runtime_error if FFmpeg cannot
// set up the transform.
double dominant_frequency(std::span<const std::int16_t> samples, int sample_rate);

// How much of the signal's power lies at `frequency_hz` (within the window's main lobe plus
// a small tolerance) compared with everywhere else above kSpectrumMinFrequencyHz: noise,
// harmonics and coding artefacts together (SINAD), in dB. +200 for a spotless tone,
// -200 if there is nothing at that frequency. Same limits and errors as
// dominant_frequency().
double tone_to_noise_db(std::span<const std::int16_t> samples, int sample_rate,
                        double frequency_hz);

// The longest run of consecutive samples whose magnitude is at most `threshold`, in ms.
// The default threshold, about -54 dBFS, sits below anything audible in a normal call but
// above dither and the tail of a concealment fade; a sine of moderate level spends at most
// a sample or two near each zero crossing below it.
double longest_silence_ms(std::span<const std::int16_t> samples, int sample_rate,
                          int threshold = 64);

// Root mean square of the samples, in sample units (full scale is 32768); 0 for none.
double rms(std::span<const std::int16_t> samples);

}  // namespace agentcast::media
