#!/usr/bin/env bash
# The two embedding maps of the README, made with the convtext command from bundled data:
# word vectors of an SST-2 classifier, and film vectors learned from MovieLens ratings.
set -euo pipefail
cd "$(dirname "$0")/.."
CONVTEXT=.venv/bin/convtext
OUT=${OUT:-maps-output}
IMAGES=docs/images
mkdir -p "$OUT" "$IMAGES"

$CONVTEXT train data/kim2014/stsa.binary.train --valid data/kim2014/stsa.binary.dev -o "$OUT/sst2" --no-progress
$CONVTEXT embeddings neighbours "$OUT/sst2" good -k 8
$CONVTEXT embeddings plot "$OUT/sst2" -o $IMAGES/word_map.png \
  --words "praise=good,great,excellent,wonderful,brilliant" \
  --words "criticism=bad,awful,boring,dull,terrible" \
  --words "people=actor,director,audience,cast" \
  --words "time=hour,minutes,year,long"

$CONVTEXT items train data/movielens-latest-small/ratings.csv --names data/movielens-latest-small/movies.csv \
  -o "$OUT/movies" --seed 0
$CONVTEXT items neighbours "$OUT/movies" "Shrek (2001)"
$CONVTEXT items plot "$OUT/movies" -o $IMAGES/movie_map.png \
  --items "family animation=Shrek (2001);Incredibles, The (2004)" \
  --items "family fantasy=Harry Potter and the Sorcerer's Stone (2001)" \
  --items "art-house animation=Triplets of Belleville, The (2003)" \
  --items "space opera=Star Wars: Episode IV (1977)" \
  --items "art house=Three Colors: Blue (1993)" \
  --items "dark thrillers=Dark Knight Rises, The (2012);Memento (2000)"
