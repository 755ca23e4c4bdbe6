#!/usr/bin/env python3
"""Draws the AgentCast app icons: a padlock on a camera (sender) and on a screen (viewer).

Each icon is one list of shapes on a 256-unit canvas, written both as SVG (hicolor/scalable)
and rendered to PNG at 32, 64, 128 and 256 px, because Qt here has no SVG module and must
load PNG. Standard library only, and deterministic: run it again and the pixels are the
same.

    make_icons.py [OUTDIR]     write agentcast-{sender,viewer}{-SIZE.png,.svg} (default: here)
    make_icons.py --check      exit 1 if the files here differ from what this script draws
"""

import math
import os
import struct
import sys
import zlib

CANVAS = 256
SIZES = (32, 64, 128, 256)

NAVY_TOP = (0x1F, 0x4E, 0x79)
NAVY_BOTTOM = (0x0F, 0x27, 0x40)
OUTLINE = (0x0A, 0x19, 0x2A)  # keeps the padlock apart from what it overlaps
WHITE = (0xF2, 0xF6, 0xFA)
RED = (0xE5, 0x3E, 0x3E)
GOLD = (0xF6, 0xC3, 0x43)
SCREEN = (0x3B, 0x9E, 0xDB)


class Gradient:
    """A vertical linear gradient between two canvas rows."""

    def __init__(self, name, top, bottom, y0, y1):
        self.name, self.top, self.bottom, self.y0, self.y1 = name, top, bottom, y0, y1

    def at(self, y):
        t = min(max((y - self.y0) / (self.y1 - self.y0), 0.0), 1.0)
        return tuple(a + (b - a) * t for a, b in zip(self.top, self.bottom))


def hex_colour(rgb):
    return "#%02x%02x%02x" % tuple(round(c) for c in rgb)


def fill_attr(fill):
    return 'fill="url(#%s)"' % fill.name if isinstance(fill, Gradient) else 'fill="%s"' % hex_colour(fill)


class RoundRect:
    def __init__(self, x0, y0, x1, y1, r, fill):
        self.x0, self.y0, self.x1, self.y1, self.r, self.fill = x0, y0, x1, y1, r, fill
        self.bbox = (x0, y0, x1, y1)

    def distance(self, x, y):
        cx, cy = (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2
        qx = abs(x - cx) - ((self.x1 - self.x0) / 2 - self.r)
        qy = abs(y - cy) - ((self.y1 - self.y0) / 2 - self.r)
        outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
        return outside + min(max(qx, qy), 0.0) - self.r

    def svg(self):
        return '<rect x="%g" y="%g" width="%g" height="%g" rx="%g" %s/>' % (
            self.x0, self.y0, self.x1 - self.x0, self.y1 - self.y0, self.r, fill_attr(self.fill))


class Circle:
    def __init__(self, cx, cy, r, fill):
        self.cx, self.cy, self.r, self.fill = cx, cy, r, fill
        self.bbox = (cx - r, cy - r, cx + r, cy + r)

    def distance(self, x, y):
        return math.hypot(x - self.cx, y - self.cy) - self.r

    def svg(self):
        return '<circle cx="%g" cy="%g" r="%g" %s/>' % (self.cx, self.cy, self.r, fill_attr(self.fill))


def segment_distance(x, y, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = min(max(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0.0), 1.0)
    return math.hypot(x - ax - t * dx, y - ay - t * dy)


class Polygon:
    """A convex polygon, points in clockwise order on screen (y down)."""

    def __init__(self, points, fill):
        self.points, self.fill = points, fill
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        self.bbox = (min(xs), min(ys), max(xs), max(ys))

    def distance(self, x, y):
        edges = list(zip(self.points, self.points[1:] + self.points[:1]))
        nearest = min(segment_distance(x, y, ax, ay, bx, by) for (ax, ay), (bx, by) in edges)
        inside = all((bx - ax) * (y - ay) - (by - ay) * (x - ax) >= 0 for (ax, ay), (bx, by) in edges)
        return -nearest if inside else nearest

    def svg(self):
        points = " ".join("%g,%g" % p for p in self.points)
        return '<polygon points="%s" %s/>' % (points, fill_attr(self.fill))


class Shackle:
    """The padlock's bow: two legs from `bottom` up to `cy`, joined by a half circle."""

    def __init__(self, cx, cy, radius, bottom, width, colour):
        self.cx, self.cy, self.radius, self.bottom, self.width = cx, cy, radius, bottom, width
        self.fill = colour
        half = width / 2
        self.bbox = (cx - radius - half, cy - radius - half, cx + radius + half, bottom)

    def distance(self, x, y):
        left, right = self.cx - self.radius, self.cx + self.radius
        to_path = min(segment_distance(x, y, left, self.cy, left, self.bottom),
                      segment_distance(x, y, right, self.cy, right, self.bottom))
        if y <= self.cy:
            to_path = min(to_path, abs(math.hypot(x - self.cx, y - self.cy) - self.radius))
        # Cut flat at the bottom, as SVG's butt caps are; the lock body covers the ends anyway.
        return max(to_path - self.width / 2, y - self.bottom)

    def svg(self):
        left, right = self.cx - self.radius, self.cx + self.radius
        return ('<path d="M%g %g V%g A%g %g 0 0 1 %g %g V%g" fill="none" stroke="%s" '
                'stroke-width="%g"/>' % (left, self.bottom, self.cy, self.radius, self.radius, right,
                                         self.cy, self.bottom, hex_colour(self.fill), self.width))


BACKGROUND = Gradient("background", NAVY_TOP, NAVY_BOTTOM, 8, 248)


def padlock():
    """Bottom right, with a dark outline so that it reads over the camera or the screen."""
    outline = 8
    shackle = dict(cx=178, cy=138, radius=26, bottom=156)
    return [
        Shackle(width=14 + 2 * outline, colour=OUTLINE, **shackle),
        RoundRect(128 - outline, 150 - outline, 228 + outline, 232 + outline, 14 + outline, OUTLINE),
        Shackle(width=14, colour=GOLD, **shackle),
        RoundRect(128, 150, 228, 232, 14, GOLD),
        Circle(178, 181, 11, NAVY_BOTTOM),
        Polygon([(172, 185), (184, 185), (188, 212), (168, 212)], NAVY_BOTTOM),
    ]


def sender_shapes():
    return [
        RoundRect(8, 8, 248, 248, 52, BACKGROUND),
        RoundRect(24, 56, 150, 150, 18, WHITE),  # camera body
        Polygon([(144, 88), (206, 56), (206, 150), (144, 118)], WHITE),  # lens hood
        Circle(54, 84, 11, RED),  # recording light
    ] + padlock()


def viewer_shapes():
    return [
        RoundRect(8, 8, 248, 248, 52, BACKGROUND),
        RoundRect(24, 44, 200, 166, 14, WHITE),  # monitor frame
        RoundRect(36, 56, 188, 154, 6, SCREEN),
        Polygon([(98, 84), (136, 105), (98, 126)], WHITE),  # play mark
        Polygon([(98, 166), (126, 166), (132, 190), (92, 190)], WHITE),  # stand
        RoundRect(70, 186, 154, 200, 7, WHITE),
    ] + padlock()


ICONS = {"agentcast-sender": sender_shapes, "agentcast-viewer": viewer_shapes}


def render(shapes, size):
    """RGBA rows, antialiased by the signed distance of each pixel's centre to each shape."""
    scale = CANVAS / size
    rows = []
    for j in range(size):
        y = (j + 0.5) * scale
        row = bytearray()
        for i in range(size):
            x = (i + 0.5) * scale
            r = g = b = a = 0.0  # premultiplied
            for shape in shapes:
                x0, y0, x1, y1 = shape.bbox
                if x < x0 - scale or x > x1 + scale or y < y0 - scale or y > y1 + scale:
                    continue
                cover = min(max(0.5 - shape.distance(x, y) / scale, 0.0), 1.0)
                if cover == 0.0:
                    continue
                colour = shape.fill.at(y) if isinstance(shape.fill, Gradient) else shape.fill
                r = colour[0] * cover + r * (1 - cover)
                g = colour[1] * cover + g * (1 - cover)
                b = colour[2] * cover + b * (1 - cover)
                a = cover + a * (1 - cover)
            if a > 0:
                row += bytes((round(r / a), round(g / a), round(b / a), round(a * 255)))
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return rows


def scanlines(rows):
    return b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row


def png(rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", len(rows[0]) // 4, len(rows), 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(scanlines(rows), 9)) + chunk(b"IEND", b""))


def png_scanlines(data):
    """The decompressed image data of a PNG this script wrote (to compare pixels, not bytes)."""
    position, idat = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        if kind == b"IDAT":
            idat += data[position + 8:position + 8 + length]
        position += 12 + length
    return zlib.decompress(idat)


def svg(shapes):
    gradients = {s.fill.name: s.fill for s in shapes if isinstance(s.fill, Gradient)}
    defs = "".join(
        '<linearGradient id="%s" x1="0" y1="%g" x2="0" y2="%g" gradientUnits="userSpaceOnUse">'
        '<stop offset="0" stop-color="%s"/><stop offset="1" stop-color="%s"/></linearGradient>' %
        (g.name, g.y0, g.y1, hex_colour(g.top), hex_colour(g.bottom)) for g in gradients.values())
    body = "\n  ".join(s.svg() for s in shapes)
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">\n'
            '  <defs>%s</defs>\n  %s\n</svg>\n' % (CANVAS, CANVAS, CANVAS, CANVAS, defs, body))


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    check = argv[1:] == ["--check"]
    out = here if check or len(argv) < 2 else argv[1]
    stale = []
    for name, shapes_of in ICONS.items():
        shapes = shapes_of()
        outputs = {name + ".svg": svg(shapes).encode()}
        outputs.update({"%s-%d.png" % (name, size): render(shapes, size) for size in SIZES})
        for file_name, content in outputs.items():
            path = os.path.join(out, file_name)
            if check:
                try:
                    with open(path, "rb") as f:
                        existing = f.read()
                    same = (existing == content if file_name.endswith(".svg") else
                            png_scanlines(existing) == scanlines(content))
                except (OSError, zlib.error):
                    same = False
                if not same:
                    stale.append(file_name)
            else:
                with open(path, "wb") as f:
                    f.write(content if file_name.endswith(".svg") else png(content))
    if stale:
        print("make_icons.py: out of date, run it again: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
