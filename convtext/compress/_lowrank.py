"""A TextCNN that reads fewer vocabulary rows through a narrower embedding, with the same n-gram scores.

A TextCNN's window score is ``bias + Σ_j W_j · e(token_j)``: the model only ever uses each token's contributions
``c(token) = [W_j e(token)]_j`` to every filter at every kernel offset (``n_off · F`` numbers per token, the
``NgramTable``). Stacking the kept tokens' contributions ``C = E Wᵀ`` (``(V', n_off·F)``) and cutting it to rank
``r`` with an SVD gives ``C ≈ (C Q) Qᵀ``: ``C Q`` is the new ``(V', r)`` embedding and ``Qᵀ``, cut into blocks, the
new filters — the best rank-``r`` approximation of the scores themselves, weighted towards frequent tokens.
Biases and the head are unchanged; an ensemble's members are cut one by one.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..models import TextCNN

__all__ = ["shrunk_textcnn"]


def _offset_weights(model: TextCNN, member: int) -> torch.Tensor:
    """``(n_off·F, E)``: member ``member``'s filters at every offset of every kernel, kernel by kernel."""
    rows = slice(member * model.num_filters, (member + 1) * model.num_filters)
    return torch.cat([conv.weight[rows, :, j] for conv in model.convs for j in range(conv.kernel_size[0])])


@torch.no_grad()
def shrunk_textcnn(model: TextCNN, rows: Sequence[int], rank: int | None = None) -> TextCNN:
    """``model`` reading only vocabulary ``rows`` (old ids, in their new order) and, with ``rank``, each member's
    contributions cut to that rank (an embedding ``rank`` wide). Frequent tokens (low ids) weigh more in the cut:
    row ``i``'s weight is ``1 / sqrt(i + 1)``, Zipf's law for frequency rank ``i``."""
    model = model.cpu().eval()
    index = torch.as_tensor(list(rows), dtype=torch.long)
    vectors = model.embed(index)  # (V', M·E); multichannel: the mean of its two tables, as the model reads them
    config = model.config()
    width = model.embed_dim if rank is None else int(rank)
    mode = "non-static" if config["embedding_mode"] == "multichannel" else config["embedding_mode"]
    shrunk = TextCNN(**{**config, "vocab_size": len(index), "embed_dim": width, "embedding_mode": mode})
    shrunk.head.load_state_dict(model.head.state_dict())
    for old, new in zip(model.convs, shrunk.convs):
        new.bias.copy_(old.bias)
    weight = (torch.arange(len(index), dtype=torch.float64) + 1).rsqrt()[:, None]  # (V', 1)
    for member in range(model.members):
        columns = slice(member * model.embed_dim, (member + 1) * model.embed_dim)
        filters = slice(member * model.num_filters, (member + 1) * model.num_filters)
        if rank is None:
            embedding, offsets = vectors[:, columns], _offset_weights(model, member)  # (V', E), (n_off·F, E)
        else:
            scores = vectors[:, columns].double() @ _offset_weights(model, member).double().T  # (V', n_off·F)
            basis = torch.linalg.svd(weight * scores, full_matrices=False).Vh[:width].T  # (n_off·F, r)
            embedding, offsets = (scores @ basis).float(), basis.float()  # (V', r), (n_off·F, r)
        shrunk.embedding.weight[:, member * width : (member + 1) * width] = embedding
        first = 0
        for conv in shrunk.convs:
            k = conv.kernel_size[0]
            block = offsets[first * model.num_filters : (first + k) * model.num_filters]  # (k·F, r)
            conv.weight[filters] = block.reshape(k, model.num_filters, -1).permute(1, 2, 0)  # (F, r, k)
            first += k
    return shrunk.eval()
