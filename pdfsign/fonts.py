"""The CJK font for seal appearances: prepared once per machine, parsed once per process.

Also the one lookup of installed fonts-noto-cjk faces (:func:`find_face`): the stamp source, the serif face
seal images are cut in, and the face a demo handwriting starts from.

pyHanko embeds OpenType fonts through ``GlyphAccumulator``, which re-reads and re-parses the font file
for every signature and subsets it destructively; with a full CJK face that costs ~0.4 s a signature.
Here instead:

- :func:`prepare_fonts` runs once per machine (in a child process, :mod:`pdfsign.prepare_fonts`, started in
  the background by ``signer serve``, or ``signer init --prepare-fonts``): it extracts one face from a ``.ttc``
  collection (pyHanko reads ``.otf``/``.ttf`` only), rescales it to 1000 units per em if needed (pyHanko
  writes glyph widths unscaled), and writes two files: the whole face, and a *common* cut holding ASCII
  and the GB 2312 repertoire (about 7,500 glyphs, a fifth of the size). The common cut serves almost
  every text; the whole face only texts with rarer characters (e.g. names with 喆, 堃).
- :func:`font_factory` returns a pyHanko ``FontEngineFactory`` whose engines share one parsed font per
  process (HarfBuzz face, fontTools tables) and a cache of compiled subsets keyed by the glyph set.
  Every subset also holds the printable ASCII glyphs, so a signer's name plus changing digits of the
  time hit the cache: after the first signature a stamp costs shaping and one compressed stream.

Only CID-keyed CFF fonts (such as Noto Sans CJK) are supported by the cached engine.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import uharfbuzz as hb
from fontTools import subset, ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory
from pyhanko.pdf_utils.font.opentype import CIDFont, GlyphAccumulator
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.pdf_utils.xref import ObjectStream

__all__ = [
    "DEFAULT_FACE",
    "HANDWRITING_FILES",
    "SEAL_FILES",
    "SOURCE_CANDIDATES",
    "FontFace",
    "StampFonts",
    "displayable",
    "find_face",
    "find_source_font",
    "font_factory",
    "loaded_font",
    "prepare_fonts",
]

# Where Debian's fonts-noto-cjk (installed by the project's set-up) puts its collections.
NOTO_CJK_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/opentype/noto-cjk", "/usr/share/fonts/noto-cjk")
SANS_REGULAR = "NotoSansCJK-Regular.ttc"
SOURCE_CANDIDATES = tuple(f"{folder}/{SANS_REGULAR}" for folder in NOTO_CJK_DIRS)
# Seals are cut in a heavy serif face, as real ones are (Black comes with fonts-noto-cjk-extra, Bold with
# fonts-noto-cjk); Sans when no Serif is installed. A demo handwriting starts from the regular Serif.
SEAL_FILES = ("NotoSerifCJK-Black.ttc", "NotoSerifCJK-Bold.ttc", "NotoSansCJK-Black.ttc", "NotoSansCJK-Bold.ttc",
              SANS_REGULAR)
HANDWRITING_FILES = ("NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc", SANS_REGULAR)
DEFAULT_FACE = "NotoSansCJKsc-Regular"
COMMON_NAME = "stamp-common.otf"
FULL_NAME = "stamp-full.otf"
LOCK_NAME = ".prepare.lock"
SUBSET_CACHE_SIZE = 64
_ASCII = [chr(c) for c in range(0x20, 0x7F)]
_EXTRA = "，。、：；（）【】《》“”‘’—…·￥％年月日时分秒"


@dataclass(frozen=True)
class StampFonts:
    """The prepared files: ``common`` (ASCII + GB 2312) and ``full`` (the whole face)."""

    common: Path
    full: Path

    def as_list(self) -> list[str]:
        return [str(self.common), str(self.full)]


@dataclass(frozen=True)
class FontFace:
    """One face of an installed font file: ``index`` inside a collection (what Pillow's ``truetype`` takes)."""

    path: Path
    index: int
    name: str


def find_source_font(configured: str | None = None) -> Path | None:
    for candidate in ([configured] if configured else []) + list(SOURCE_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def find_face(files: tuple[str, ...], script: str = "sc") -> FontFace | None:
    """The first of ``files`` installed in a fonts-noto-cjk folder, at its face for ``script`` (简体: sc)."""
    for name in files:
        for folder in NOTO_CJK_DIRS:
            path = Path(folder) / name
            if path.is_file():
                return _face_of(path, script)
    return None


def _face_of(path: Path, script: str) -> FontFace:
    if path.suffix.lower() not in (".ttc", ".otc"):
        return FontFace(path, 0, str(ttLib.TTFont(str(path), lazy=True)["name"].getDebugName(6)))
    names = [str(f["name"].getDebugName(6)) for f in ttLib.TTCollection(str(path), lazy=True).fonts]
    marker = f"CJK{script}-"
    index = next((i for i, n in enumerate(names) if marker in n), 0)
    return FontFace(path, index, names[index])


def _gb2312_repertoire() -> set[str]:
    chars = set(_ASCII) | set(_EXTRA)
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def _extract_face(source: Path, face: str) -> ttLib.TTFont:
    if source.suffix.lower() in (".ttc", ".otc"):
        collection = ttLib.TTCollection(str(source))
        names = [f["name"].getDebugName(6) for f in collection.fonts]
        if face not in names:
            raise ValueError(f"{source} has no face {face!r} (it has {', '.join(map(str, names))})")
        font = collection.fonts[names.index(face)]
    else:
        font = ttLib.TTFont(str(source))
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    return font


def _save_atomically(font: ttLib.TTFont | bytes, dest: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".tmp")
    os.close(fd)
    try:
        if isinstance(font, bytes):
            Path(tmp).write_bytes(font)
        else:
            font.save(tmp)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def prepare_fonts(source: Path, dest_dir: Path, face: str = DEFAULT_FACE,
                  progress: Callable[[str], None] | None = None) -> StampFonts:
    """Write the two prepared fonts into ``dest_dir`` unless they are there already (15–75 s once).

    Processes preparing the same folder take turns (a lock file), so the second finds the work done.
    ``progress`` hears what is happening, step by step.
    """
    say = progress or (lambda _text: None)
    dest_dir.mkdir(parents=True, exist_ok=True)
    fonts = StampFonts(dest_dir / COMMON_NAME, dest_dir / FULL_NAME)
    if fonts.common.is_file() and fonts.full.is_file():
        return fonts
    with open(dest_dir / LOCK_NAME, "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another process preparing the stamp fonts in {dest_dir}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        if fonts.common.is_file() and fonts.full.is_file():
            return fonts
        say(f"stamp fonts 1/3: reading {face} from {source}")
        font = _extract_face(Path(source), face)
        if "CFF " not in font or not hasattr(font["CFF "].cff[0], "ROS"):
            raise ValueError("the stamp font must be a CID-keyed CFF OpenType font (e.g. Noto Sans CJK)")
        say("stamp fonts 2/3: writing the whole face (about 65,000 glyphs)")
        buffer = BytesIO()
        font.save(buffer)
        full_bytes = buffer.getvalue()
        say("stamp fonts 3/3: cutting the common characters (ASCII and GB 2312)")
        common = ttLib.TTFont(BytesIO(full_bytes))
        options = subset.Options()  # default layout features (kern, liga, …): enough for horizontal text
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in _gb2312_repertoire()])
        subsetter.subset(common)
        _save_atomically(common, fonts.common)
        _save_atomically(full_bytes, fonts.full)
    say(f"stamp fonts ready in {dest_dir}")
    return fonts


class LoadedFont:
    """One font parsed once: shaping face, metrics tables, coverage and a cache of compiled subsets."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as fh:
            self.data = fh.read()
        self.tt = ttLib.TTFont(BytesIO(self.data))
        cff = self.tt["CFF "].cff
        if not hasattr(cff[0], "ROS"):
            raise ValueError(f"{path}: only CID-keyed CFF fonts are supported")
        self.ros = cff[0].ROS
        self.charset = cff[0].charset
        self.ps_name = self.tt["name"].getDebugName(6)
        self.hb_font = hb.Font(hb.Face(self.data))
        self.glyph_set = self.tt.getGlyphSet(preferCFF=True)
        self.cmap = self.tt.getBestCmap()
        order = self.tt.getGlyphOrder()
        gid_of = {name: gid for gid, name in enumerate(order)}
        self.base_gids = frozenset(gid_of[self.cmap[ord(c)]] for c in _ASCII if ord(c) in self.cmap)
        self._subsets: OrderedDict[frozenset[int], bytes] = OrderedDict()
        # Warm the lazily parsed tables the font descriptor reads.
        for table in ("head", "hhea", "OS/2", "post"):
            self.tt[table]

    def covers(self, text: str) -> bool:
        return all(ord(ch) in self.cmap for ch in text if not ch.isspace())

    def font_program(self, gids: frozenset[int]) -> bytes:
        """The compiled CFF program of a subset holding ``gids`` and the ASCII glyphs (cached)."""
        key = gids | self.base_gids
        program = self._subsets.get(key)
        if program is not None:
            self._subsets.move_to_end(key)
            return program
        tt = ttLib.TTFont(BytesIO(self.data))
        options = subset.Options(layout_closure=False)
        options.drop_tables += ["GPOS", "GDEF", "GSUB"]
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(gids=sorted(key))
        subsetter.subset(tt)
        out = BytesIO()
        tt["CFF "].cff.compile(out, tt)
        program = out.getvalue()
        self._subsets[key] = program
        if len(self._subsets) > SUBSET_CACHE_SIZE:
            self._subsets.popitem(last=False)
        return program


@lru_cache(maxsize=4)
def loaded_font(path: str) -> LoadedFont:
    """The per-process parsed font (worker processes keep it between requests)."""
    return LoadedFont(path)


class _CachedCIDFont(CIDFont):
    def __init__(self, font: LoadedFont, subset_prefix: str) -> None:
        registry, ordering, supplement = font.ros
        super().__init__(font.tt, "/CIDFontType0", registry, ordering, supplement, font.ps_name, subset_prefix)
        self.program = b""

    def set_font_file(self, writer: BasePdfFileWriter) -> generic.IndirectObject:
        stream = generic.StreamObject({generic.NameObject("/Subtype"): generic.NameObject("/CIDFontType0C")},
                                      stream_data=self.program)
        stream.compress()
        ref = writer.add_object(stream)
        self._font_descriptor[generic.NameObject("/FontFile3")] = ref
        return ref


class _CachedAccumulator(GlyphAccumulator):
    """pyHanko's glyph accumulator over a shared :class:`LoadedFont` (never subset in place)."""

    def __init__(self, writer: BasePdfFileWriter, font: LoadedFont, font_size: int,
                 obj_stream: ObjectStream | None = None) -> None:
        FontEngine.__init__(self, writer, font.ps_name, embedded_subset=True, obj_stream=obj_stream,
                            font_size=font_size)
        self._loaded = font
        self.hb_font = font.hb_font
        self.tt = font.tt
        self._font_ref = writer.allocate_placeholder()
        self.cff_charset = font.charset
        self._cached_cid = _CachedCIDFont(font, self.subset_prefix)
        self.cidfont_obj = self._cached_cid
        self.use_raw_gids = False
        self.features = None
        self.units_per_em = font.tt["head"].unitsPerEm
        self._glyphs = {}
        self._glyph_set = font.glyph_set
        self._cid_to_unicode = {}
        self._GlyphAccumulator__reverse_cmap = None
        self.ot_language_tag = self.ot_script_tag = self.writing_direction = self.bcp47_lang_code = None
        self._subset_created = self._write_prepared = False

    def _extract_subset(self, options: subset.Options | None = None) -> None:
        self._cached_cid.program = self._loaded.font_program(frozenset(self._glyphs))


@dataclass(frozen=True)
class _CachedFactory(FontEngineFactory):
    path: str

    def create_font_engine(self, writer: BasePdfFileWriter,
                           obj_stream: ObjectStream | None = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return _CachedAccumulator(writer, loaded_font(self.path), 10, obj_stream=obj_stream)


def displayable(paths: list[str], text: str, replacement: str = "?") -> str:
    """``text`` with every character that no prepared font has replaced (a name must never block signing)."""
    return "".join(ch if ch.isspace() or any(loaded_font(p).covers(ch) for p in paths) else replacement
                   for ch in text)


def font_factory(paths: list[str], text: str) -> FontEngineFactory:
    """A factory over the first of ``paths`` that has a glyph for every character of ``text``.

    Raises ``ValueError`` when none does (the caller decides what to show instead).
    """
    for path in paths:
        if loaded_font(path).covers(text):
            return _CachedFactory(path)
    raise ValueError("no stamp font has glyphs for: " + "".join(
        sorted({ch for ch in text if not any(loaded_font(p).covers(ch) for p in paths)})))

