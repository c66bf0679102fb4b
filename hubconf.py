"""``torch.hub`` entry points: ``torch.hub.load("owner/convtext" or a local checkout, "textcnn", ...)``.

Architectures are built with ``create_model``'s arguments; ``pretrained`` loads a trained
classifier (model folder, zoo name or Hub id) with its tokenizer.
"""

dependencies = ["torch", "tokenizers", "safetensors", "huggingface_hub"]

from convtext import TextClassifier  # noqa: E402
from convtext.models import create_model  # noqa: E402


def _architecture(name):
    def entry(vocab_size=None, num_classes=None, pretrained=None, **overrides):
        if pretrained:  # a zoo tag: textcnn(pretrained="mr_sentiment") is the zoo's textcnn.mr_sentiment
            return create_model(f"{name}.{pretrained}", num_classes=num_classes, pretrained=True)
        return create_model(name, vocab_size, num_classes, **overrides)

    entry.__name__ = name
    entry.__doc__ = (
        f"convtext's {name}: a new model (vocab_size, num_classes, **overrides), or pretrained='TAG' for the "
        f"zoo's {name}.TAG (new head if num_classes differs)."
    )
    return entry


textcnn = _architecture("textcnn")
textcnn_kim = _architecture("textcnn_kim")
inception_small = _architecture("inception_small")
inception_base = _architecture("inception_base")
mean_embedding = _architecture("mean_embedding")
char_cnn = _architecture("char_cnn")


def classifier(name_or_path):
    """A trained TextClassifier (predict, explain, fine-tune) from a folder, a zoo name or a Hub id."""
    return TextClassifier.from_pretrained(name_or_path)
