#!/usr/bin/env bash
# The main job on data bundled with the project (data/kim2014, SST-2 sentences).
set -euo pipefail
cd "$(dirname "$0")/.."
CONVTEXT=.venv/bin/convtext
OUT=demo-output
mkdir -p "$OUT"

echo "== 1. Read a labelled file: format, encoding, classes, skipped rows"
$CONVTEXT data inspect data/kim2014/stsa.binary.train
$CONVTEXT data inspect data/kim2014/custrev.all --examples 0

echo; echo "== 2. BPE, step by step (reference implementation)"
$CONVTEXT bpe explain --words "hug:10,pug:5,pun:12,bun:4,hugs:5" --merges 5

echo; echo "== 3. Train a production BPE tokenizer and a word tokenizer on SST-2 train"
$CONVTEXT bpe train data/kim2014/stsa.binary.train --vocab-size 8000 -o "$OUT/bpe/tokenizer.json"
$CONVTEXT tokenizer train data/kim2014/stsa.binary.train --kind word -o "$OUT/word/tokenizer.json"

echo; echo "== 4. Look at the tokens (any script)"
$CONVTEXT bpe encode "$OUT/bpe/tokenizer.json" "an unforgettable, heartbreaking film" "Фильм просто отличный 👍"
$CONVTEXT tokenizer show "$OUT/word/tokenizer.json" "An UNFORGETTABLE film, isn't it?"
