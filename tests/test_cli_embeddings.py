"""``convtext embeddings``: neighbours, projector export and the word map of a trained model."""

import json

import numpy as np
import pytest
from conftest import run_cli

from convtext.embed import WordVectors, map_figure


def run(capsys, *args) -> tuple[int, str, str]:
    return run_cli(capsys, *args)


@pytest.fixture(scope="module")
def saved(trained, tmp_path_factory):
    return trained.save(tmp_path_factory.mktemp("emb") / "toy")


def test_neighbours_rank_by_cosine(saved, trained, capsys):
    code, out, _ = run(capsys, "embeddings", "neighbours", saved, "good", "-k", "4", "--json")
    found = json.loads(out)["neighbours"]
    assert code == 0 and len(found) == 4 and "good" not in [n["name"] for n in found]
    weight = trained.model_.embedding.weight.detach().numpy()
    vocab = trained.tokenizer_.vocab
    good = weight[vocab.word2id["good"]]
    expected = [
        float(
            weight[vocab.word2id[n["name"]]]
            @ good
            / np.linalg.norm(weight[vocab.word2id[n["name"]]])
            / np.linalg.norm(good)
        )
        for n in found
    ]
    assert [n["cosine"] for n in found] == pytest.approx(expected, abs=1e-4)
    assert expected == sorted(expected, reverse=True)


def test_unknown_word_is_a_clear_error(saved, capsys):
    code, _, err = run(capsys, "embeddings", "neighbours", saved, "zzzz")
    assert code == 2 and "'zzzz' is not in the model's vocabulary" in err


def test_a_word_of_several_pieces_is_their_mean(trained):
    vectors = WordVectors.from_classifier(trained)
    vector, rows = vectors.lookup("good фильм")
    assert len(rows) == 2 and np.allclose(vector, vectors.matrix[rows].mean(axis=0))


def test_projector_export(saved, trained, capsys, tmp_path):
    code, _, _ = run(capsys, "embeddings", "export", saved, "-o", tmp_path / "proj")
    vectors = np.loadtxt(tmp_path / "proj" / "vectors.tsv", delimiter="\t")
    names = (tmp_path / "proj" / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert code == 0 and len(vectors) == len(names) == trained.tokenizer_.vocab_size - 2  # no <pad>, <unk>
    assert "отлично" in names and "👍" in names
    assert np.allclose(
        vectors[names.index("good")],
        trained.model_.embedding.weight[trained.tokenizer_.vocab.word2id["good"]].detach(),
        atol=1e-5,
    )


def test_word_map(saved, capsys, tmp_path):
    png = tmp_path / "map.png"
    code, out, _ = run(
        capsys,
        "embeddings",
        "plot",
        saved,
        "--words",
        "praise=good,great,отлично",
        "--words",
        "bad,awful,ужасно",
        "-o",
        png,
    )
    assert code == 0 and png.stat().st_size > 10_000 and "map of 6 words" in out
    code, _, err = run(capsys, "embeddings", "plot", saved, "--words", "good,bad", "-o", png)
    assert code == 2 and "at least 3 names" in err


def test_map_labels_neither_overlap_nor_leave_the_frame():
    names = ["Harry Potter and the Sorcerer's Stone (2001)", "Shrek (2001)", "Three Colors: Blue (1993)",
             "Фильм (2001)", "Incredibles, The (2004)", "Memento (2000)"]  # fmt: skip
    points = np.array([[1.0, 0.05], [0.2, -0.16], [0.18, -0.15], [0.21, -0.12], [0.5, -0.05], [-0.9, -0.17]])
    figure = map_figure(points, names, groups=["a", "a", "b", "b", "a", "c"], title="a long title " * 12)
    renderer = figure.canvas.get_renderer()
    frame = figure.axes[0].get_window_extent(renderer)
    boxes = [text.get_window_extent(renderer) for text in figure.axes[0].texts]
    assert len(boxes) == len(names)
    assert all(frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1 for box in boxes)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    title = figure.axes[0].title.get_window_extent(renderer)
    assert figure.bbox.x0 <= title.x0 and title.x1 <= figure.bbox.x1
