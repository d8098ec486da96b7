"""A `cadena demo` step: the witness's video re-uploaded three times, and the copies found.

For `cadena.demo.STEPS` (after `ingest`, before `check`): it makes a mirrored, cropped and
letterboxed re-upload, one with a news logo and a screen recording of the witness's video, adds
them with their platforms and posting times, fingerprints the case and groups it into
same-footage clusters, proposing the earliest upload. The copies are fictional, as is the case.
"""

from __future__ import annotations

from typing import Any

from cadena.intake.files import SourceFields, add_paths
from cadena.media.fingerprint import copies, store, transforms

REUPLOADS = (
    ("mirror_crop10_letterbox", "TikTok", "@valdoria_hoy", "2024-01-10T18:20:00-05:00"),
    ("logo", "Facebook", "Noticias Puerto Alba", "2024-01-11T09:02:00-05:00"),
    ("screen", "Telegram", "canal_resistencia", "2024-01-12T21:45:00-05:00"),
)


def same_footage(d: Any) -> None:
    """Add re-uploads of the witness's video, then find the cluster and its earliest upload."""
    case = d.case
    original = case.blobs.local_path(d.results["video"])
    folder = d.incoming / "reuploads"
    folder.mkdir(parents=True, exist_ok=True)
    for n, (kind, platform, account, posted) in enumerate(REUPLOADS):
        path = transforms.transform(original, folder / f"reupload_{kind}.mp4", kind, seed=n)
        add_paths(
            case,
            [path],
            SourceFields(
                platform=platform,
                account=account,
                posted_at=posted,
                method="downloaded from the public post (fictional)",
            ),
        )
    store.ensure(case)
    found = copies.clusters(case)
    witness = [c for c in found if d.results["video"] in {i["item"] for i in c.items}]
    d.results["copies"] = [
        {"items": c.items, "earliest": c.earliest, "pairs": c.pairs} for c in witness
    ]
    earliest = witness[0].earliest if witness else None
    if earliest is not None:
        d.say(
            f"Found {len(witness[0].items)} copies of the witness's video; earliest upload: "
            f"{earliest['item'][:12]} ({earliest['reason']})"
        )
    else:
        d.say("The re-uploads of the witness's video were not recognised as the same footage")
