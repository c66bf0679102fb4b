"""The per-label report as one self-contained HTML file: inline styles and an inline SVG diagram, no script, no
external asset — it opens offline in any browser and can be mailed as it is."""

from __future__ import annotations

from html import escape

__all__ = ["report_html"]

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; vertical-align: top; }
th { background: #f3f3f3; }
td.text, th.text { text-align: left; max-width: 560px; }
mark { background: #ffd54f; padding: 0 .1em; }
.low { color: #b00020; font-weight: 600; }
.note { color: #555; }
"""


def _cell(value, low: bool = False) -> str:
    shown = f"{value:.3f}" if isinstance(value, float) else escape(str(value))
    return f'<td class="low">{shown}</td>' if low else f"<td>{shown}</td>"


def _summary(report: dict, model: str, data: str) -> list[str]:
    parts = [f"n {report['n']:,}", f"accuracy {report['accuracy']:.4f}", f"macro-F1 {report['macro_f1']:.4f}"]
    if "micro_f1" in report:
        parts.insert(2, f"micro-F1 {report['micro_f1']:.4f}")
    lines = [f"<h1>{escape(model)} on {escape(data)}</h1>", f"<p>{' · '.join(parts)}</p>"]
    if report.get("unknown_labels"):
        unknown = ", ".join(f"{escape(k)} ({v})" for k, v in report["unknown_labels"].items())
        lines.append(f'<p class="note">Labels the model never saw, counted as errors: {unknown}</p>')
    if report.get("skipped_rows"):
        lines.append(f'<p class="note">{report["skipped_rows"]:,} rows of the file were skipped (see the log).</p>')
    return lines


def _per_label(report: dict) -> list[str]:
    rows = sorted(report["per_class"].items(), key=lambda item: item[1]["f1"])
    worst = rows[0][1]["f1"] if rows else 0.0
    body = [
        f'<tr><td class="text">{escape(label)}</td>{_cell(s["precision"])}{_cell(s["recall"])}'
        f"{_cell(s['f1'], s['f1'] == worst)}{_cell(s['support'])}</tr>"
        for label, s in rows
    ]
    head = '<tr><th class="text">label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>'
    return ["<h2>Per label (lowest F1 first)</h2>", "<table>", head, *body, "</table>"]


def _confusion(report: dict) -> list[str]:
    if "confusion" not in report:
        return []
    names = report.get("labels", list(report["per_class"]))
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    lines = ["<h2>Confusion matrix</h2>", '<p class="note">Rows: the true label; columns: the prediction.</p>',
             "<table>", f'<tr><th class="text">true \\ predicted</th>{head}</tr>']  # fmt: skip
    for name, row in zip(names, report["confusion"]):
        total = max(sum(row), 1)
        cells = "".join(
            f'<td style="background: rgba(21, 101, 192, {0.8 * count / total:.2f})">{count}</td>' for count in row
        )
        lines.append(f'<tr><th class="text">{escape(name)}</th>{cells}</tr>')
    return [*lines, "</table>"]


def _reliability_svg(report: dict) -> str:
    """The reliability diagram: per bin, share right against mean probability, at temperature 1 and calibrated."""
    size, pad = 300, 40
    x = lambda v: pad + v * size  # noqa: E731 — two one-line scales
    y = lambda v: pad + (1 - v) * size  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 2 * pad}" height="{size + 2 * pad}" '
             'role="img" aria-label="reliability diagram">',
             f'<rect x="{pad}" y="{pad}" width="{size}" height="{size}" fill="none" stroke="#999"/>',
             f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#999" stroke-dasharray="4"/>']  # fmt: skip
    for scores, colour in ((report["uncalibrated"], "#1565c0"), (report, "#e65100")):
        points = " ".join(f"{x(b['confidence']):.1f},{y(b['accuracy']):.1f}" for b in scores["bins"] if b["count"])
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
    parts += [
        f'<text x="{pad}" y="{pad + size + 28}" font-size="12">predicted probability (bin mean) →</text>',
        f'<text x="16" y="{pad + size / 2}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 16 {pad + size / 2})">share right →</text>',
        f'<text x="{pad + 6}" y="{pad + 16}" font-size="12" fill="#1565c0">temperature 1</text>',
        f'<text x="{pad + 6}" y="{pad + 32}" font-size="12" fill="#e65100">'
        f"temperature {report['temperature']:.2f}</text>",
        "</svg>",
    ]
    return "".join(parts)


def _calibration(report: dict) -> list[str]:
    calibration = report.get("calibration") or {}
    if not calibration.get("n"):
        return []
    plain = calibration["uncalibrated"]
    return [
        "<h2>Calibration</h2>",
        f"<p>Probabilities are the model's at temperature {calibration['temperature']:.3f} (fitted on its validation "
        f"set); {calibration['n']:,} texts scored. ECE: 15 equal-width bins.</p>",
        "<table><tr><th class='text'>probabilities</th><th>ECE</th><th>Brier</th><th>NLL</th></tr>",
        f"<tr><td class='text'>temperature 1</td>{_cell(plain['ece'])}{_cell(plain['brier'])}{_cell(plain['nll'])}</tr>",
        f"<tr><td class='text'>calibrated</td>{_cell(calibration['ece'])}{_cell(calibration['brier'])}"
        f"{_cell(calibration['nll'])}</tr></table>",
        _reliability_svg(calibration),
    ]


def _slices(report: dict) -> list[str]:
    lines = ["<h2>Where it does worst</h2>"]
    for kind, title in (("length", "by text length (tokens the model reads)"), ("label", "by true label")):
        rows = report["slices"][kind]
        body = "".join(
            f'<tr><td class="text">{escape(s["slice"])}</td>{_cell(s["n"])}{_cell(s["accuracy"], i == 0)}</tr>'
            for i, s in enumerate(rows)
        )
        head = f'<tr><th class="text">{title}</th><th>texts</th><th>accuracy</th></tr>'
        lines += ["<table>", head, body, "</table>"]
    return lines


def _marked(text: str, ngrams: list[dict]) -> str:
    """``text`` escaped, with the characters of the deciding n-grams in ``<mark>``."""
    inside = [False] * len(text)
    for ngram in ngrams:
        for i in range(max(0, ngram["start"]), min(len(text), ngram["end"])):
            inside[i] = True
    pieces, start = [], 0
    for i in range(1, len(text) + 1):
        if i == len(text) or inside[i] != inside[start]:
            chunk = escape(text[start:i])
            pieces.append(f"<mark>{chunk}</mark>" if inside[start] else chunk)
            start = i
    return "".join(pieces)


def _errors(report: dict, explained: str | None) -> list[str]:
    errors = report["confident_errors"]
    lines = ["<h2>Most confident errors</h2>"]
    if explained:
        lines.append(f'<p class="note">{escape(explained)}</p>')
    if not errors:
        return [*lines, "<p>None: every text is right.</p>"]
    lines += [
        "<table>",
        '<tr><th>probability</th><th class="text">true</th><th class="text">predicted</th>'
        '<th class="text">text (deciding n-grams marked)</th><th class="text">n-grams → contribution</th></tr>',
    ]
    for error in errors:
        ngrams = error.get("ngrams", [])
        listed = "<br>".join(f"{escape(n['text'])} → {n['contribution']:+.3f}" for n in ngrams) or "—"
        lines.append(
            f"<tr>{_cell(error['probability'])}<td class='text'>{escape(', '.join(error['gold']) or '(none)')}</td>"
            f"<td class='text'>{escape(', '.join(error['predicted']) or '(none)')}</td>"
            f"<td class='text'>{_marked(error['text'], ngrams)}</td><td class='text'>{listed}</td></tr>"
        )
    return [*lines, "</table>"]


def report_html(report: dict, model: str, data: str, explained: str | None = None) -> str:
    """The page of ``report`` (evaluate's dict with ``report_contents`` added): summary, per-label scores, confusion
    matrix, calibration, worst slices, most confident errors. ``explained``: a note on the n-grams (e.g. why there
    are none)."""
    body = [*_summary(report, model, data), *_per_label(report), *_confusion(report), *_calibration(report),
            *_slices(report), *_errors(report, explained)]  # fmt: skip
    return "\n".join([
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>convtext report: {escape(model)}</title><style>{STYLE}</style></head><body>", *body, "</body></html>",
    ])  # fmt: skip
