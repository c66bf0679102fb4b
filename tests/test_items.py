"""Embeddings of anything: user and item vectors from MovieLens ratings, baselines, neighbours, the map, errors."""

import json

import pytest
from conftest import run_cli

from convtext import ConvtextError, DataError
from convtext.cli import main
from convtext.items import item_vectors, read_ratings

MOVIELENS = __import__("conftest").KIM.parent / "movielens-latest-small"


def run(capsys, *args) -> tuple[int, str, str]:
    return run_cli(capsys, *args)


@pytest.fixture(scope="module")
def movies(tmp_path_factory):
    """Item vectors trained once from the bundled MovieLens sample through the CLI (seconds)."""
    folder = tmp_path_factory.mktemp("items") / "movies"
    with pytest.raises(SystemExit) as done:
        main([
            "items", "train", str(MOVIELENS / "ratings.csv"), "--names", str(MOVIELENS / "movies.csv"),
            "-o", str(folder), "--threads", "2", "--seed", "0",
        ])  # fmt: skip
    assert done.value.code in (0, None)
    return folder


def test_factorisation_beats_both_baselines_on_the_holdout(movies):
    metrics = json.loads((movies / "config.json").read_text())["metrics"]
    assert metrics["holdout_ratings"] == 10_084  # 10% of 100,836
    assert metrics["rmse"] < metrics["bias_only_rmse"] < metrics["global_mean_rmse"]
    assert "| matrix factorisation |" in (movies / "README.md").read_text()


def test_shreks_neighbours_are_family_films(movies):
    vectors = item_vectors(movies)
    genres = dict(zip(vectors.names, vectors.info["genres"]))
    found = vectors.neighbours("Shrek (2001)", 10)
    family = [name for name, _ in found if {"Animation", "Children"} & set(genres[name].split("|"))]
    assert len(found) == 10 and "Shrek (2001)" not in dict(found)
    assert len(family) >= 3, found


def test_names_may_leave_out_alternative_titles(movies):
    vectors = item_vectors(movies)
    _, rows = vectors.lookup("Three Colors: Blue (1993)")
    assert vectors.names[rows[0]] == "Three Colors: Blue (Trois couleurs: Bleu) (1993)"
    with pytest.raises(ConvtextError, match="matches 2 items"):
        vectors.lookup("Incredibles")
    with pytest.raises(ConvtextError, match="did you mean 'Shrek 2 \\(2004\\)'"):
        vectors.lookup("Shrek 2 (2005)")


def test_neighbours_and_map_from_the_command_line(movies, capsys, tmp_path):
    code, out, _ = run(capsys, "items", "neighbours", movies, "Shrek (2001)", "-k", "3", "--json")
    assert code == 0 and len(json.loads(out)["neighbours"]) == 3
    png = tmp_path / "map.png"
    films = ["family=Shrek (2001);Incredibles, The (2004)", "dark=Memento (2000);Dark Knight Rises, The (2012)"]
    code, out, _ = run(capsys, "items", "plot", movies, "--items", films[0], "--items", films[1], "-o", png)
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = run(capsys, "items", "neighbours", movies, "No Such Film (1900)")
    assert code == 2 and "no item named 'No Such Film (1900)'" in err


def test_bad_ratings_files(write):
    with pytest.raises(DataError, match="no column 'userId' — the columns are user, film, stars"):
        read_ratings(write("r.csv", "user,film,stars\n1,2,3\n"))
    ratings = read_ratings(write("r.csv", "userId,movieId,rating\n1,10,4.5\n2,10,n/a\n2,11,3\n,12,1\n"))
    assert len(ratings) == 2 and [line for line, _ in ratings.skipped] == [3, 5]
    with pytest.raises(DataError, match="no usable rating rows"):
        read_ratings(write("r.csv", "userId,movieId,rating\n1,10,x\n"))


def test_a_folder_that_is_not_item_vectors(tmp_path):
    (tmp_path / "config.json").write_text('{"architecture": "textcnn"}')
    (tmp_path / "items.json").write_text("{}")
    with pytest.raises(ConvtextError, match="not an item-embedding folder"):
        item_vectors(tmp_path)
