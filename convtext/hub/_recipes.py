"""The zoo's recipes: each pretrained model is trained from data the project has, reproducibly (seeded)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .._errors import ConvtextError

__all__ = ["RECIPES", "ZooRecipe", "get_recipe", "register_recipe"]


@dataclass(frozen=True)
class ZooRecipe:
    """How to build one named model: files (relative to the data folder), classifier settings, seed.

    ``train`` files are read and concatenated; without ``valid`` a seeded, stratified 10% of them
    selects the epoch. Every file listed is recorded as data the model saw. ``kind="encoder"``:
    the files are an unlabelled corpus (cut into sentences) for a ``SentenceEncoder`` distilled
    from all-MiniLM-L6-v2.
    """

    name: str  # architecture.tag, as timm names pretrained weights
    summary: str
    train: tuple[str, ...]
    valid: str | None = None
    settings: dict = field(default_factory=dict)  # TextClassifier settings (defaults otherwise)
    seed: int = 0
    kind: str = "classifier"  # or "encoder"

    @property
    def files(self) -> list[str]:
        return [*self.train, *([self.valid] if self.valid else [])]

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "train": list(self.train), "valid": self.valid,
                "settings": self.settings, "seed": self.seed}  # fmt: skip


RECIPES: dict[str, ZooRecipe] = {}


def register_recipe(recipe: ZooRecipe) -> ZooRecipe:
    """Add ``recipe`` to the zoo (replacing one of the same name)."""
    if "." not in recipe.name:
        raise ConvtextError(f"zoo names are architecture.tag, e.g. textcnn.mr_sentiment — got {recipe.name!r}")
    RECIPES[recipe.name] = recipe
    return recipe


def get_recipe(name: str) -> ZooRecipe:
    if name not in RECIPES:
        raise ConvtextError(f"no zoo model {name!r} — `convtext zoo list` shows: {', '.join(sorted(RECIPES))}")
    return RECIPES[name]


register_recipe(
    ZooRecipe(
        "textcnn.mr_sentiment",
        "Sentiment body from all 10,662 MR movie-review sentences (for CR, MPQA, product reviews; never SST, "
        "whose sentences come from MR).",
        train=("kim2014/rt-polarity.all",),
    )
)
register_recipe(
    ZooRecipe(
        "textcnn.sst2_sentiment",
        "Sentiment body from SST-2's training split (dev selects the epoch): for targets other than MR.",
        train=("kim2014/stsa.binary.train",),
        valid="kim2014/stsa.binary.dev",
    )
)
AMAZON = tuple(
    f"amazon-multidomain/{domain}/{polarity}.review"
    for domain in ("books", "dvd", "electronics", "kitchen")
    for polarity in ("positive", "negative")
)
register_recipe(
    ZooRecipe(
        "textcnn.amazon_sentiment",
        "Sentiment body from the 8,000 Amazon reviews of books, DVDs, electronics and kitchen goods (Blitzer et al. "
        "2007): the sentiment body for SST, MR and CR (zero-shot 74.6% on SST-2, 79.2% on CR).",
        train=AMAZON,
    )
)
register_recipe(
    ZooRecipe(
        "textcnn.minilm_distilled",
        "Sentence encoder distilled from all-MiniLM-L6-v2 (cosine to its embeddings) on unlabelled text: TREC's "
        "training questions and the Amazon reviews (73k sentences; labels unused). No Kim-suite test text, no "
        "MR or SST text, so it may be scored on every Kim set.",
        train=("kim2014/TREC.train.all", *AMAZON),
        kind="encoder",
    )
)
