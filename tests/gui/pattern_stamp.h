#pragma once
// Which frame of the `--video test` pattern a screenshot shows: the pattern carries its
// frame number in a strip of cells (agentcast/media/test_pattern.h) that survives coding and
// scaling, so a test can say "frame 112, then frame 141" rather than "the pixels changed".

#include <QtCore/QRect>
#include <QtGui/QImage>
#include <cstdint>
#include <optional>

namespace agentcast::test {

// The frame number in the picture that fills `area` once its black border is trimmed, drawn
// by the sender at `drawn` (its --size: the stamp's cells sit on a grid that depends on the
// size, so the picture is scaled back first); empty if the stamp does not read (covered, too
// small, or not the test pattern).
std::optional<std::uint64_t> pattern_frame_number(const QImage& image, QRect area, QSize drawn);

}  // namespace agentcast::test
