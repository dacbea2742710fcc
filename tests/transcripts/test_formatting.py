"""punctuate / format_text on top of the engine's words, and the exports built from words (E3)."""

from transcripts import formatting


def w(text, start, end, confidence=0.9):
    return {"text": text, "start": start, "end": end, "confidence": confidence, "speaker": None}


# Two sentences, a long pause, a third.
WORDS = [
    w("Hello,", 0, 400),
    w("world.", 450, 900),
    w("It's", 1000, 1200, 0.5),
    w("3.5%", 1250, 1600),
    w("—", 1600, 1650),
    w("e-mail!", 1700, 2100),
    w("Again", 5000, 5400),
    w("here?", 5450, 5900),
]
TEXT = "Hello, world. It's 3.5% — e-mail! Again here?"


def test_everything_on_keeps_what_the_engine_wrote():
    text, words = formatting.apply_text_options(TEXT, WORDS, punctuate=True, format_text=True)
    assert text == TEXT
    assert words == WORDS


def test_punctuate_off_strips_punctuation_but_not_what_belongs_to_words():
    text, words = formatting.apply_text_options(TEXT, WORDS, punctuate=False, format_text=True)
    assert text == "Hello world It's 3.5% e-mail Again here"
    assert [word["text"] for word in words] == [
        "Hello",
        "world",
        "It's",
        "3.5%",
        "e-mail",
        "Again",
        "here",
    ]
    assert words[2]["confidence"] == 0.5 and words[2]["start"] == 1000


def test_format_text_off_lowercases():
    text, _ = formatting.apply_text_options(TEXT, WORDS, punctuate=True, format_text=False)
    assert text == "hello, world. it's 3.5% — e-mail! again here?"
    text, _ = formatting.apply_text_options(TEXT, WORDS, punctuate=False, format_text=False)
    assert text == "hello world it's 3.5% e-mail again here"


def test_sentences_end_at_punctuation_or_a_pause():
    found = formatting.sentences(WORDS)
    assert [s["text"] for s in found] == [
        "Hello, world.",
        "It's 3.5% — e-mail!",
        "Again here?",
    ]
    assert (found[1]["start"], found[1]["end"]) == (1000, 2100)
    assert found[1]["confidence"] == round((0.5 + 0.9 * 3) / 4, 4)
    assert found[0]["speaker"] is None and found[0]["words"][0]["text"] == "Hello,"
    bare = [w("one", 0, 100), w("two", 200, 300), w("three", 2000, 2100)]
    assert [s["text"] for s in formatting.sentences(bare)] == ["one two", "three"]


def test_paragraphs_group_sentences_until_a_long_pause():
    found = formatting.paragraphs(WORDS)
    assert [p["text"] for p in found] == [
        "Hello, world. It's 3.5% — e-mail!",
        "Again here?",
    ]
    assert (found[1]["start"], found[1]["end"]) == (5000, 5900)
    assert formatting.paragraphs([]) == []


def test_srt_and_vtt_respect_chars_per_caption():
    srt = formatting.srt(WORDS, chars_per_caption=15)
    assert srt == (
        "1\n00:00:00,000 --> 00:00:00,900\nHello, world.\n\n"
        "2\n00:00:01,000 --> 00:00:01,650\nIt's 3.5% —\n\n"
        "3\n00:00:01,700 --> 00:00:02,100\ne-mail!\n\n"
        "4\n00:00:05,000 --> 00:00:05,900\nAgain here?\n"
    )
    vtt = formatting.vtt(WORDS, chars_per_caption=200)
    assert vtt == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:02.100\nHello, world. It's 3.5% — e-mail!\n\n"
        "00:00:05.000 --> 00:00:05.900\nAgain here?\n"
    )
    assert formatting.srt([w("x", 3_723_004, 3_723_500)], 10).startswith(
        "1\n01:02:03,004 --> 01:02:03,500\n"
    )


def test_word_search_ignores_case_and_punctuation_and_finds_phrases():
    matches = formatting.word_search(WORDS, ["hello", "WORLD", "again here", "absent", "!!"])
    assert matches[0] == {"text": "hello", "count": 1, "timestamps": [[0, 400]], "indexes": [0]}
    assert matches[1]["indexes"] == [1]
    assert matches[2] == {
        "text": "again here",
        "count": 1,
        "timestamps": [[5000, 5900]],
        "indexes": [6],
    }
    assert matches[3]["count"] == matches[4]["count"] == 0
