"""Test clips that show their own frame number and beep on a known frame, read back by pixels.

No fonts: the top band is an 8-bit barcode of the frame number (one 20-pixel column per bit,
white = 1), the bottom band a grey level that names the clip. The sound is silence with a
1 kHz beep of one frame at BEEP_FRAME. Keyframes every GOP frames, B-frames as x264 makes them.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from storyboard.media import locate

WIDTH, HEIGHT, FPS, GOP = 160, 96, 24, 12
BEEP_FRAME = 12
RATE = 48000


def clip_level(clip: int) -> int:
    """The grey a clip's band is drawn with (limited range)."""
    return 40 + 40 * clip


def seen_level(clip: int) -> int:
    """The same grey as decoded to full-range gray."""
    return round((clip_level(clip) - 16) * 255 / 219)


def make_counter_clip(dst: Path, clip: int, frames: int, *, gop: int = GOP,
                      colour: str | None = None) -> Path:
    lum = (f"if(lt(Y,{HEIGHT // 2}),16+219*mod(floor(N/pow(2,floor(X/20))),2),"
           f"{clip_level(clip)})")
    video = f"nullsrc=s={WIDTH}x{HEIGHT}:r={FPS},geq=lum='{lum}':cb=128:cr=128"
    start, end = BEEP_FRAME / FPS, (BEEP_FRAME + 1) / FPS
    beep = (f"aevalsrc=exprs='if(between(t,{start},{end}),0.8*sin(2*PI*1000*t),0)':"
            f"channel_layout=stereo:sample_rate={RATE}:duration={frames / FPS}")
    argv = [locate()[0], "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", video,
            "-f", "lavfi", "-i", beep, "-frames:v", str(frames), "-c:v", "libx264",
            "-preset", "veryfast", "-g", str(gop), "-keyint_min", str(gop),
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k"]
    if colour:
        argv += ["-color_primaries", colour, "-color_trc", colour, "-colorspace", colour]
    subprocess.run([*argv, str(dst)], check=True, capture_output=True)
    return dst


@dataclass(frozen=True)
class Frame:
    number: int  # the barcode
    level: int  # the clip band's grey
    bits_clean: bool  # every bar clearly black or white (False under a transition)


def read_frames(path: Path) -> list[Frame]:
    raw = subprocess.run([locate()[0], "-v", "error", "-i", str(path), "-map", "0:v:0",
                          "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         check=True, capture_output=True).stdout
    size = WIDTH * HEIGHT
    frames = []
    for offset in range(0, len(raw) - size + 1, size):
        pic = raw[offset:offset + size]
        bars = [pic[(HEIGHT // 4) * WIDTH + 20 * k + 10] for k in range(8)]
        number = sum(1 << k for k, v in enumerate(bars) if v > 128)
        clean = all(v < 40 or v > 200 for v in bars)
        frames.append(Frame(number, pic[(3 * HEIGHT // 4) * WIDTH + WIDTH // 2], clean))
    return frames


def raw_gray(path: Path) -> list[bytes]:
    raw = subprocess.run([locate()[0], "-v", "error", "-i", str(path), "-map", "0:v:0",
                          "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         check=True, capture_output=True).stdout
    size = WIDTH * HEIGHT
    return [raw[i:i + size] for i in range(0, len(raw) - size + 1, size)]


def beep_onsets(path: Path) -> list[float]:
    """Seconds where a beep starts in the first audio stream (mono mix, 16-bit)."""
    raw = subprocess.run([locate()[0], "-v", "error", "-i", str(path), "-map", "0:a:0",
                          "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
                         check=True, capture_output=True).stdout
    samples = memoryview(raw).cast("h")
    onsets: list[float] = []
    quiet_since = 0
    for i, s in enumerate(samples):
        if abs(s) > 8000:
            if i - quiet_since > RATE // 10:
                onsets.append(i / RATE)
            quiet_since = i
    return onsets
