"""Word-level diffs of long values in stale reasons, and what `why CUT` says changed."""

from __future__ import annotations

from storyboard.cache import why_stale
from storyboard.cache.lockfile import Record
from storyboard.cache.stale import cut_changes
from storyboard.cache.textdiff import change_text, diff_html, diff_text

OLD = "A red fox trots through a snowy forest at dawn, cinematic, 35mm film, soft winter light"


def test_a_word_changed_near_the_end_of_a_long_prompt() -> None:
    new = OLD.replace("at dawn", "at dusk")
    assert diff_text(OLD, new) == ("…a snowy forest at [-dawn-]{+dusk+}, cinematic, 35mm film, "
                                   "soft…")
    assert diff_text(OLD, OLD + ", slow motion") == "…film, soft winter light{+, slow motion+}"


def test_changes_far_apart_keep_their_own_context() -> None:
    new = OLD.replace("trots", "runs").replace("winter light", "spring light")
    assert diff_text(OLD, new) == (
        "A red fox [-trots-]{+runs+} through a snowy forest … cinematic, 35mm film, soft "
        "[-winter-]{+spring+} light")


def test_numbers_and_ratios_are_whole_words() -> None:
    assert diff_text("fade in 0.5 s, ratio 16:9", "fade in 1.25 s, ratio 16:9") == \
        "fade in [-0.5-]{+1.25+} s, ratio 16:9"


def test_html_escapes_and_marks() -> None:
    assert diff_html("a <b> & c", "a <i> & c") == \
        "a &lt;<del>b</del><ins>i</ins>&gt; &amp; c"


def test_short_values_read_old_to_new_and_long_ones_are_never_cut() -> None:
    assert change_text("A fox at dawn", "A fox at dusk") == "'A fox at dawn' -> 'A fox at dusk'"
    assert change_text(5, 10) == "5 -> 10"
    long_new = OLD + " and a great deal more text that used to be cut off at 56 characters"
    text = change_text(OLD, long_new)
    assert "..." not in text and text.endswith("{+ and a great deal more text that used to be "
                                               "cut off at 56 characters+}")


def test_why_stale_gives_the_diff_and_keeps_the_full_values() -> None:
    rec = Record(key="k1", output="o", provider="preview", kind="generate",
                 fields={"prompt": OLD})
    new = OLD.replace("at dawn", "at dusk")
    (reason,) = why_stale(key="k2", cached=False, previous=rec, provider="preview",
                          fields={"prompt": new}, take=1, inputs={})
    assert reason.text == ("prompt changed: …a snowy forest at [-dawn-]{+dusk+}, cinematic, "
                           "35mm film, soft…")
    assert (reason.old, reason.new) == (OLD, new)


FIELDS = {
    "entries": [{"clip": "dawn"}, {"clip": "leap", "trim": "0.5-4.5 s",
                                   "transition": "crossfade 0.5 s"},
                {"clip": "portrait", "transition": "fade 0.5 s"}, {"clip": "globe"}],
    "frame": "960x540 at 24 fps, fit blur", "clip_audio": True, "output": "renders/t.mp4",
    "music": "theme from 2 s, volume 0.8, fade in 0.5 s, fade out 1.5 s",
}


def test_cut_changes_entry_by_entry() -> None:
    new = {**FIELDS, "entries": [
        {"clip": "dawn"}, {"clip": "leap", "trim": "0.5-4 s", "transition": "crossfade 0.5 s"},
        {"clip": "portrait"}, {"clip": "globe"}, {"clip": "owl", "trim": "1-end s"}]}
    assert [r.text for r in cut_changes(FIELDS, new)] == [
        "entry 2 leap: trim 0.5-4.5 s -> 0.5-4 s",
        "entry 3 portrait: transition fade 0.5 s -> cut",
        "entry 5 added: owl, trim 1-end s",
    ]


def test_cut_changes_moves_removals_music_and_settings() -> None:
    entries = FIELDS["entries"]
    new = {**FIELDS, "entries": [entries[3], entries[0], entries[1]],
           "music": "theme from 2 s, volume 0.8, fade in 0.5 s, fade out 2 s",
           "frame": "960x540 at 25 fps, fit blur", "clip_audio": False}
    assert [r.text for r in cut_changes(FIELDS, new)] == [
        "entry 3 removed: portrait, fade 0.5 s in",
        "entry globe moved from 4 to 1",
        "music changed: …0.5 s, fade out [-1.5-]{+2+} s",
        "frame changed: 960x540 at [-24-]{+25+} fps, fit blur",
        "clip audio changed: True -> False",
    ]


def test_a_cut_locked_before_cuts_recorded_fields_only_says_the_request_changed() -> None:
    rec = Record(key="k1", output="o", provider="local", kind="cut")
    reasons = why_stale(key="k2", cached=False, previous=rec, provider="local",
                        fields=FIELDS, take=1, inputs={})
    assert [r.code for r in reasons] == ["request changed"]
