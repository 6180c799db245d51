"""Two solutions of 06_losses written independently of the reference and of each other, for the
similarity check's sample class: {grade_id: [the code of each BEGIN/END SOLUTION region, in order]}.
One is handed in by two students, once with its variables renamed (a copy the check must find);
the other by a third student (honest work it must not flag)."""

COPIED = {
    "log_softmax": [
        """\
    biggest = np.max(x.data, axis=dim, keepdims=True)
    total = np.sum(np.exp(x.data - biggest), axis=dim, keepdims=True)
    result = x.data - biggest - np.log(total)
    return Tensor.from_op(result, "log_softmax", (x,), dim=dim)
""",
        """\
    axis = out.ctx["dim"]
    probabilities = np.exp(out.data)
    summed = np.sum(grad, axis=axis, keepdims=True)
    return (grad - probabilities * summed,)
""",
    ],
    "mse_loss": [
        """\
        errors = (prediction - target) ** 2
        return errors.sum() * (1.0 / errors.data.size)
""",
    ],
    "cross_entropy": [
        """\
    count = logits_shape[-1]
    outside = (targets < 0) | (targets >= count)
    if np.any(outside):
        first = int(targets[outside][0])
        raise ValueError(f"target {first} is out of range for {count} classes (0 to {count - 1})")
    return targets.astype(np.int64)
""",
        """\
        count = logits.shape[-1]
        rows = log_softmax(logits, dim=-1).reshape(-1, count)
        labels = targets.reshape(-1)
        chosen = rows[np.arange(labels.size), labels]
        return chosen.mean() * -1.0
""",
    ],
}

# How the second student of the pair disguised the copy.
RENAMED = {
    "biggest": "peak",
    "total": "norm",
    "result": "answer",
    "probabilities": "p",
    "summed": "g_sum",
    "errors": "squares",
    "count": "n_classes",
    "outside": "invalid",
    "first": "bad_value",
    "rows": "log_p",
    "labels": "flat_targets",
    "chosen": "picked_out",
}

HONEST = {
    "log_softmax": [
        """\
    m = x.data.max(axis=dim, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x.data - m), axis=dim, keepdims=True))
    return Tensor.from_op(x.data - lse, "log_softmax", (x,), dim=dim)
""",
        """\
    s = np.exp(out.data)
    return (grad - s * np.sum(grad, axis=out.ctx["dim"], keepdims=True),)
""",
    ],
    "mse_loss": [
        """\
        d = prediction - target
        n = 1
        for size in d.shape:
            n *= size
        return (d * d).sum() / n
""",
    ],
    "cross_entropy": [
        """\
    for value in targets.reshape(-1):
        if value < 0 or value >= logits_shape[-1]:
            top = logits_shape[-1]
            raise ValueError(f"target {int(value)} is out of range for {top} classes (0 to {top - 1})")
    return targets.astype(np.int64)
""",
        """\
        flat_logits = logits.reshape(-1, logits.shape[-1])
        picked = log_softmax(flat_logits, dim=-1)[np.arange(targets.size), targets.reshape(-1)]
        return -(picked.sum() / targets.size)
""",
    ],
}
