"""The zipped size of a provider Lambda's code asset, zipped deterministically from cdk.out.

CDK zips an asset directory itself at publish time; to compare providers on equal terms both are
zipped here the same way: entries in sorted order, a fixed timestamp, fixed permissions, deflate at
level 9.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class AssetSize:
    """One Lambda code asset: its function's logical ID, file count, raw and zipped bytes."""

    function: str
    files: int
    raw_bytes: int
    zipped_bytes: int
    # Zipped bytes of each top-level entry zipped on its own (they do not add up exactly to the whole).
    parts: dict[str, int]


def zip_bytes(root: Path) -> bytes:
    """A deterministic zip of every file under ``root`` (a file is zipped on its own)."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            name = path.name if path == root else path.relative_to(root).as_posix()
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def lambda_assets(cloud_assembly: Path, template: dict[str, Any]) -> list[AssetSize]:
    """Every ``AWS::Lambda::Function`` in ``template`` whose code is an asset in ``cloud_assembly``."""
    sizes = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        # The S3 key is the asset's hash; cdk.out holds it as asset.<hash> (a directory or a file).
        key = resource["Properties"].get("Code", {}).get("S3Key")
        if not isinstance(key, str):
            continue
        digest = key.rsplit(".", 1)[0]
        candidates = sorted(cloud_assembly.glob(f"asset.{digest}*"))
        if not candidates:
            continue
        root = candidates[0]
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        already_zipped = root.is_file() and root.suffix == ".zip"
        zipped = root.stat().st_size if already_zipped else len(zip_bytes(root))
        parts = (
            {} if root.is_file() else {child.name: len(zip_bytes(child)) for child in sorted(root.iterdir())}
        )
        raw = sum(p.stat().st_size for p in files)
        sizes.append(AssetSize(logical_id, len(files), raw, zipped, parts))
    return sizes


def measure(cloud_assembly: Path, stack: str = "Bench") -> list[AssetSize]:
    """The Lambda code assets of ``stack`` in the cloud assembly directory ``cloud_assembly``."""
    template = json.loads((cloud_assembly / f"{stack}.template.json").read_text())
    return lambda_assets(cloud_assembly, template)
