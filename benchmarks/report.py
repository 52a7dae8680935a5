"""How the benchmark summary states a comparison (kept apart from conftest.py to be tested)."""

from __future__ import annotations


def export_line(group: str, roles: dict[str, float]) -> str:
    """One export group: renditions per second for each worker count, then how the most
    workers compare with one worker ("1.85x faster", or "1.25x slower" when they lose)."""
    count = int(group.split("-")[1].split("x")[0])
    by_workers = sorted(roles.items(), key=lambda item: int(item[0].split()[0]))
    line = f"{group}: " + ", ".join(
        f"{role}: {count / median:.1f} renditions/s" for role, median in by_workers
    )
    if len(by_workers) < 2:
        return line
    (first, first_median), (last, last_median) = by_workers[0], by_workers[-1]
    if last_median <= first_median:
        return line + f"; {last} vs {first}: {first_median / last_median:.2f}x faster"
    return line + f"; {last} vs {first}: {last_median / first_median:.2f}x slower"


def executor_line(
    local: dict[str, float], dask: dict[str, float], name: str = "dask"
) -> str | None:
    """Dask (``name``: which cluster shape) against the local pool at the same worker count,
    from two export groups' medians (``None`` when they share no worker count)."""
    common = sorted(set(local) & set(dask), key=lambda role: int(role.split()[0]))
    if not common:
        return None
    role = common[-1]
    change = dask[role] / local[role] - 1
    word = "slower" if change > 0 else "faster"
    return f"{name} vs local pool, {role}: {abs(change) * 100:.1f} % {word}"
