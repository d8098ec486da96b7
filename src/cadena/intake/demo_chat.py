"""A fictional WhatsApp export, for `cadena demo` to show a chat export arriving.

The export is an Android one in Spanish, zipped as WhatsApp shares it ("Exportar chat" →
"Incluir archivos"): `WhatsApp Chat - <group>.zip` holding `Chat de WhatsApp con <group>.txt`
and the media named as the phone names them (`IMG-20221215-WA0007.jpg`). The people, the group
and the events are invented; the media are made by `cadena.media.synth`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from cadena.errors import CadenaError
from cadena.intake import archives
from cadena.intake.files import SourceFields, add_file
from cadena.media import synth
from cadena.vault.case import Case

GROUP = "Brigada de Salud Plaza"
TZ_NAME = "America/Lima"
PLAZA = (-12.0464, -77.0428)
_TZ = dt.timezone(dt.timedelta(hours=-5))

CHAT = """15/12/2022, 16:30 - Los mensajes y las llamadas están cifrados de extremo a extremo. \
Nadie fuera de este chat, ni siquiera WhatsApp, puede leerlos ni escucharlos.
15/12/2022, 16:31 - Rosa Q. creó el grupo "Brigada de Salud Plaza"
15/12/2022, 16:38 - Rosa Q.: Estamos en la esquina de la plaza, hay mucha gente
15/12/2022, 16:41 - Rosa Q.: IMG-20221215-WA0007.jpg (archivo adjunto)
Desde la farmacia, mirando a la avenida
15/12/2022, 16:42 - Miguel T.: Están disparando desde la avenida, no son lacrimógenas
15/12/2022, 16:43 - Miguel T.: VID-20221215-WA0008.mp4 (archivo adjunto)
Grabado desde el balcón del segundo piso
15/12/2022, 16:45 - Rosa Q.: Hay un herido en la pierna, necesitamos camilla
15/12/2022, 16:58 - +51 987 654 321: Parte de atención.pdf (archivo adjunto)
15/12/2022, 17:02 - Miguel T.: <Multimedia omitido>
15/12/2022, 17:05 - Rosa Q.: Ya lo llevaron al hospital
"""


def write_whatsapp_export(path: Path, seed: int = 0) -> Path:
    """Write the fictional export as a zip at `path` (its media made fresh, seeded)."""
    with tempfile.TemporaryDirectory(prefix="cadena-demo-chat-") as tmp:
        folder = Path(tmp)
        when = dt.datetime(2022, 12, 15, 16, 41, tzinfo=_TZ)
        # WhatsApp strips EXIF from what it forwards: the image carries no GPS or camera.
        synth.image(folder / "IMG-20221215-WA0007.jpg", 480, 360, seed=seed)
        synth.video(
            folder / "VID-20221215-WA0008.mp4",
            seconds=2,
            width=320,
            height=240,
            seed=seed + 1,
            creation_time=when + dt.timedelta(minutes=2),
        )
        synth.pdf(
            folder / "Parte de atención.pdf",
            [
                "Parte de atención (ficticio)\nPaciente: herido por proyectil en la pierna\n"
                "Hora de ingreso: 16:55\nLugar: esquina de la plaza"
            ],
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"Chat de WhatsApp con {GROUP}.txt", CHAT.encode("utf-8"))
            for media in sorted(folder.iterdir()):
                z.write(media, media.name)
    return path


def arrive(
    case: Case,
    folder: Path,
    say: Callable[[str], None] | None = None,
    collected_by: str = "Investigator (training)",
) -> archives.Expansion:
    """Write the export into `folder`, preserve it, and expand it as `cadena add` would."""
    export = write_whatsapp_export(folder / f"WhatsApp Chat - {GROUP}.zip")
    fields = SourceFields(
        collected_by=collected_by,
        method="shared by a group member",
        consent="given by the group's administrator (fictional)",
    )
    outcome = add_file(case, export, fields)
    if not outcome.sha256:
        raise CadenaError(f"the demo's chat export could not be preserved: {outcome.reason}")
    result = archives.expand(case, outcome.sha256, fields, name=export.name, tz=TZ_NAME)
    if say and result.chat:
        media = [o for o in result.members if o.status in ("added", "new_source")]
        say(
            f"A WhatsApp export arrived: {len(media)} files from “{GROUP}”, "
            f"{result.chat['messages']} messages; each photo and video knows its sender and time"
        )
    return result
