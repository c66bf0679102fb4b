#!/usr/bin/env bash
# The main job on data bundled with the project: train a classifier on SST-2 sentences,
# print its test accuracy, predict and explain a few sentences; then a look at the tokenizers.
set -euo pipefail
cd "$(dirname "$0")/.."
CONVTEXT=.venv/bin/convtext
DATA=data/kim2014
OUT=demo-output
mkdir -p "$OUT"

echo "== 1. Train a TextCNN on SST-2 (6,920 sentences), select on dev, score on test"
echo "   (embeddings=auto: English text, so it starts from all-MiniLM-L6-v2's token vectors)"
$CONVTEXT train $DATA/stsa.binary.train --valid $DATA/stsa.binary.dev --test $DATA/stsa.binary.test -o "$OUT/sst2"

echo; echo "== 2. Predict (label 1 = positive, 0 = negative)"
$CONVTEXT predict "$OUT/sst2" --proba \
  "a gripping , beautifully acted film" \
  "the plot is thin and the jokes fall flat" \
  "not bad at all"
echo "   ('not bad at all' is a negation: n-gram features see 'bad' beside 'not', and a model trained on 6,920"
echo "    sentences may still call it negative — explain shows which n-grams decided)"

echo; echo "== 3. Explain: which n-grams drove the decision, with their exact share of the score"
$CONVTEXT explain "$OUT/sst2" "the acting is superb but the story is dull and far too long" --label 0 --label 1 --top 3

echo; echo "== 4. Score the saved model again on the test file, with a report page (open it in a browser)"
$CONVTEXT evaluate "$OUT/sst2" $DATA/stsa.binary.test --report "$OUT/sst2-report.html"

echo; echo "== 5. Data and tokenizers: read a file with quirks, watch BPE merge, see what a BPE knows"
$CONVTEXT data inspect $DATA/custrev.all --examples 0
$CONVTEXT bpe explain --words "hug:10,pug:5,pun:12,bun:4,hugs:5" --merges 3
$CONVTEXT bpe train $DATA/stsa.binary.train --vocab-size 8000 -o "$OUT/bpe/tokenizer.json"
$CONVTEXT bpe encode "$OUT/bpe/tokenizer.json" "an unforgettable , heartbreaking film" "Фильм просто отличный 👍"
echo "   (learned on English sentences only, this BPE has no Cyrillic pieces: a character it never saw falls back to"
echo "    its UTF-8 bytes, <0xD0> <0xA4> …, so nothing is <unk> — but bytes carry little meaning: train the tokenizer"
echo "    on text in the languages you need — convtext reads any script — or use --tokenizer char)"
echo; echo "Model folder: $OUT/sst2 (config.json, model.safetensors, digests.json, tokenizer.json, README.md, training_curve.png, confusion_matrix.png, calibration.png)"
