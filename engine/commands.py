"""The documented IS command set (§3 of the reference) as typed signatures.

This is the language itself, so it lives in the engine: ``parse`` knows every IS command
without loading a plugin. Plugins implement these commands and may declare new ones.
"""

from __future__ import annotations

from engine.config import MAX_DPI
from engine.signatures import (
    REQUIRED,
    Bool,
    ColorArg,
    CommandSignature,
    Enum,
    HexList,
    Int,
    Param,
    Real,
    Text,
)
from engine.stages import Scope, Stage

#: Every ``fmt=`` token of §3.2 (formats a plugin cannot encode are refused at render time).
IS_FORMATS = (
    "jpeg", "jpg", "pjpeg", "png", "png-alpha", "png8", "png8-alpha", "gif", "gif-alpha",
    "tif", "tif-alpha", "pdf", "eps", "webp", "webp-alpha", "avif", "avif-alpha",
    "jpeg2000", "jpeg2000-alpha", "jpegxr", "jpegxr-alpha", "heic", "swf", "swf-alpha",
    "swf3", "swf3-alpha", "f4m", "m3u8",
)  # fmt: skip
FORMAT_ALIASES = (("tiff", "tif"), ("tiff-alpha", "tif-alpha"), ("web-alpha", "webp-alpha"),
                  ("swf-alpha3", "swf3-alpha"))  # fmt: skip
FIT_MODES = ("fit", "constrain", "crop", "wrap", "stretch", "hfit", "vfit")
RES_MODES = ("bilin", "bicub", "sharp2", "bisharp", "trilin")

#: Ranges keep every number a render derives from a request finite and within what Pillow's
#: C code takes (32-bit coordinates: a pixel value plus a pixel size stays below 2**31).
#: Larger requests are refused by MaxPix and the pixel budget long before these bounds.
MAX_PIXELS = 1_000_000_000
MAX_FACTOR = 1e9  # scale factors (scl, scale, rect, dpr) lie in [1/MAX_FACTOR, MAX_FACTOR]
MAX_NORM = 1e6  # normalised coordinates (cropN, extendN, posN ...)

_ONOFF = Bool(("off", "on"))
_PX = Int(-MAX_PIXELS, MAX_PIXELS)
_POS = Int(1, MAX_PIXELS)
_NONNEG = Int(0, MAX_PIXELS)
_REAL = Real()
_FACTOR = Real(1 / MAX_FACTOR, MAX_FACTOR)
_DPI = Real(0.001, MAX_DPI)
_NORM = Real(-MAX_NORM, MAX_NORM)
_PCT = Int(min=-100, max=100)


def _sig(
    name: str,
    *params: Param,
    scope: Scope = Scope.LAYER,
    stage: Stage = Stage.FILTER,
    noop: bool = False,
) -> CommandSignature:
    return CommandSignature(name, params, scope, stage, noop)


def _p(name: str, kind, default=REQUIRED) -> Param:
    return Param(name, kind, default)


def _rect(kind) -> tuple[Param, ...]:
    return (_p("x", kind), _p("y", kind), _p("w", kind), _p("h", kind))


def _pair(a: str, b: str, kind) -> tuple[Param, ...]:
    return (_p(a, kind), _p(b, kind))


def _quad(kind) -> tuple[Param, ...]:
    """A perspective quadrilateral (top-left, top-right, bottom-right, bottom-left corners)
    and the resampling option (``r-perspective.md``)."""
    corners = [_p(f"{axis}{n}", kind) for n in range(1, 5) for axis in "xy"]
    return (*corners, _p("resOptions", Text("R1|R2|R3|R3Tn"), None))


_V, _R = Scope.VIEW, Scope.REQUEST
_OBJECT = Text("an object name or nested request", rest=True)

IS_COMMANDS: tuple[CommandSignature, ...] = (
    # --- view commands (global) ---
    _sig("wid", _p("width", _POS), scope=_V, stage=Stage.VIEW),
    _sig("hei", _p("height", _POS), scope=_V, stage=Stage.VIEW),
    _sig("scl", _p("factor", _FACTOR), scope=_V, stage=Stage.VIEW),
    _sig("fit", _p("mode", Enum(FIT_MODES)), _p("upscale", Bool(), False),
         scope=_V, stage=Stage.VIEW),
    _sig("align", _p("h", Real(-1, 1)), _p("v", Real(-1, 1)), scope=_V, stage=Stage.VIEW),
    _sig("bgc", _p("color", ColorArg()), scope=_V, stage=Stage.VIEW),
    _sig("rgn", _p("x", _PX), _p("y", _PX), _p("w", _POS), _p("h", _POS),
         scope=_V, stage=Stage.VIEW),
    _sig("rect", _p("x", _PX), _p("y", _PX), _p("w", _POS), _p("h", _POS),
         _p("scale", _FACTOR, 1.0), scope=_V, stage=Stage.RECT),
    _sig("dpr", _p("enabled", _ONOFF), _p("ratio", _FACTOR, 1.0), scope=_V, stage=Stage.VIEW),
    # --- request commands (global) ---
    _sig("fmt", _p("format", Enum(IS_FORMATS, FORMAT_ALIASES)),
         _p("pixelType", Enum(("rgb", "gray", "cmyk")), None),
         _p("compression", Enum(("jpeg", "lossy", "lossless", "lzw", "none", "zip")), None),
         scope=_R, stage=Stage.OUTPUT),
    _sig("qlt", _p("quality", Int(1, 100)), _p("chroma", Bool(), False),
         scope=_R, stage=Stage.OUTPUT),
    _sig("quantize", _p("type", Enum(("adaptive", "web", "mac"))),
         _p("dither", Enum(("diffuse", "off")), "diffuse"),
         _p("numColors", Int(2, 256), 256), _p("colorList", HexList(), ()),
         scope=_R, stage=Stage.OUTPUT),
    _sig("pscan", _p("scans", Enum(("auto", "3", "4", "5"))), scope=_R, stage=Stage.OUTPUT),
    _sig("jpegSize", _p("kilobytes", Real(0, 1024 * 1024)), scope=_R, stage=Stage.OUTPUT),
    _sig("iccEmbed", _p("embed", Bool()), scope=_R, stage=Stage.OUTPUT),
    _sig("icc", _p("profile", Text("an ICC profile name")),
         _p("renderIntent", Enum(("perceptual", "relative", "saturation", "absolute")), None),
         _p("blackpointComp", Bool(), None), _p("dither", Bool(), None),
         scope=_R, stage=Stage.OUTPUT),
    _sig("printRes", _p("dpi", _DPI), scope=_R, stage=Stage.OUTPUT),
    _sig("xmpEmbed", _p("embed", Bool()), scope=_R, stage=Stage.OUTPUT),
    _sig("pathEmbed", _p("embed", Bool()), scope=_R, stage=Stage.OUTPUT),
    _sig("resMode", _p("mode", Enum(RES_MODES, (("sharp", "sharp2"),))),
         scope=_R, stage=Stage.VIEW),
    _sig("req", _p("type", Enum(("img", "tmb", "mask", "props", "resolve", "validate",
                                  "catalogprops", "exists", "imageprops", "imageset",
                                  "loadcache", "map", "mbrSet", "message", "saveToFile",
                                  "set", "targets", "userdata", "xlate", "xmp"))),
         _p("options", Text("response options", rest=True), None),
         scope=_R, stage=Stage.REQUEST),
    _sig("cache", _p("mode", Text("on|off|validate|update or client,server", rest=True), None),
         scope=_R, stage=Stage.REQUEST, noop=True),
    _sig("defaultImage", _p("object", _OBJECT, None), scope=_R, stage=Stage.REQUEST, noop=True),
    _sig("template", _p("object", _OBJECT), scope=_R, stage=Stage.REQUEST),
    _sig("locale", _p("locale", Text("a locale id"), None), scope=_R, stage=Stage.REQUEST,
         noop=True),
    _sig("id", _p("id", Text("a version string", rest=True), None), scope=_R,
         stage=Stage.REQUEST, noop=True),
    _sig("imageSet", _p("set", Text("an image set", rest=True), None), scope=_R,
         stage=Stage.REQUEST, noop=True),
    _sig("handler", _p("name", Text("a JavaScript function name (a-z, A-Z, 0-9)"), None),
         scope=_R, stage=Stage.REQUEST, noop=True),
    _sig("bfc", _p("enabled", _ONOFF), scope=_R, stage=Stage.REQUEST, noop=True),
    _sig("network", _p("enabled", _ONOFF), scope=_R, stage=Stage.REQUEST, noop=True),
    # --- source transforms of a layer (layer 0 under layer=comp) ---
    _sig("crop", *_rect(_PX), stage=Stage.CROP),
    _sig("cropN", *_rect(_NORM), stage=Stage.CROP),
    _sig("size", _p("w", _NONNEG), _p("h", _NONNEG), stage=Stage.SIZE),
    _sig("sizeN", _p("w", Real(0, 1)), _p("h", Real(0, 1)), stage=Stage.SIZE),
    _sig("scale", _p("factor", _FACTOR), stage=Stage.SIZE),
    _sig("res", _p("resolution", _FACTOR), stage=Stage.SIZE),
    _sig("flip", _p("mode", Enum(("lr", "ud", "lrud"))), stage=Stage.FLIP),
    _sig("rotate", _p("degrees", _REAL), stage=Stage.ROTATE),
    _sig("extend", _p("left", _PX), _p("top", _PX), _p("right", _PX), _p("bottom", _PX),
         stage=Stage.EXTEND),
    _sig("extendN", _p("left", _NORM), _p("top", _NORM), _p("right", _NORM),
         _p("bottom", _NORM), stage=Stage.EXTEND),
    # --- layer definition and placement ---
    _sig("layer", _p("layer", Text("n|comp[,name] or a layer name", rest=True)),
         stage=Stage.LAYER),
    _sig("src", _p("object", _OBJECT), stage=Stage.LAYER),
    _sig("mask", _p("object", _OBJECT), stage=Stage.LAYER),
    _sig("maskUse", _p("mode", Enum(("norm", "invert", "off"))), stage=Stage.LAYER),
    _sig("text", _p("text", Text("RTF text", rest=True)), stage=Stage.LAYER),
    _sig("textPs", _p("text", Text("RTF text", rest=True)), stage=Stage.LAYER),
    _sig("textAngle", _p("degrees", _REAL), stage=Stage.LAYER),
    _sig("textAttr", _p("attributes", Text("text attributes", rest=True)), stage=Stage.LAYER),
    # An empty flow path is ignored (r-textflowpath.md, r-textflowxpath.md).
    _sig("textFlowPath", _p("path", Text("a path", rest=True), None), stage=Stage.LAYER),
    _sig("textFlowXPath", _p("path", Text("a path", rest=True), None), stage=Stage.LAYER),
    _sig("textPath", _p("path", Text("a path", rest=True)), stage=Stage.LAYER),
    _sig("clipPath", _p("path", Text("a path", rest=True)), stage=Stage.LAYER),
    _sig("clipXPath", _p("path", Text("a path", rest=True)), stage=Stage.LAYER),
    _sig("clipPathE", _p("names", Text("path names", rest=True)), stage=Stage.LAYER),
    _sig("clipXPathE", _p("names", Text("path names", rest=True)), stage=Stage.LAYER),
    _sig("cropPathE", _p("names", Text("path names", rest=True)), stage=Stage.LAYER),
    _sig("pathAttr", _p("attributes", Text("path attributes", rest=True)), stage=Stage.LAYER),
    _sig("color", _p("color", ColorArg()), stage=Stage.LAYER),
    _sig("bgColor", _p("color", ColorArg()), stage=Stage.LAYER),
    _sig("opac", _p("opacity", Int(0, 100)), _p("fillOpacity", Int(0, 100), 100),
         stage=Stage.LAYER),
    _sig("pos", *_pair("x", "y", _PX), stage=Stage.LAYER),
    _sig("posN", *_pair("x", "y", _NORM), stage=Stage.LAYER),
    _sig("origin", *_pair("x", "y", _PX), stage=Stage.LAYER),
    _sig("originN", *_pair("x", "y", _NORM), stage=Stage.LAYER),
    _sig("anchor", *_pair("x", "y", _PX), stage=Stage.LAYER),
    _sig("anchorN", *_pair("x", "y", _NORM), stage=Stage.LAYER),
    _sig("hide", _p("hide", Bool()), stage=Stage.LAYER),
    _sig("blendMode", _p("mode", Enum(("norm", "dissolve", "lighten", "darken", "mult",
                                       "screen"))), stage=Stage.LAYER),
    _sig("effect", _p("layer", Int()), stage=Stage.LAYER),  # non-zero; a segment (parser)
    _sig("effectMask", _p("enabled", Bool()), scope=_R, stage=Stage.REQUEST),
    _sig("map", _p("map", Text("HTML <AREA> elements", rest=True), ""), stage=Stage.LAYER),
    _sig("mapA", _p("map", Text("HTML <AREA> elements", rest=True), ""), stage=Stage.LAYER),
    _sig("perspective", *_quad(Real(-MAX_PIXELS, MAX_PIXELS)), stage=Stage.LAYER),
    _sig("perspectiveN", *_quad(_NORM), stage=Stage.LAYER),
    _sig("type", _p("type", Text("a type name")), scope=_R, stage=Stage.REQUEST),
    # --- filters ---
    _sig("op_blur", _p("radius", Real(0, 100))),
    _sig("op_brightness", _p("amount", _PCT)),
    _sig("op_contrast", _p("amount", _PCT)),
    _sig("op_colorbalance", _p("r", _PCT), _p("g", _PCT), _p("b", _PCT)),
    _sig("op_colorize", _p("color", ColorArg(("rgb",))),
         _p("mode", Enum(("off", "norm")), "norm"), _p("contrast", Real(0, 100), 0.0)),
    _sig("op_hue", _p("degrees", Int(-180, 180))),
    _sig("op_saturation", _p("amount", _PCT)),
    _sig("op_invert", _p("invert", Bool())),
    _sig("op_noise", _p("amount", Real(0, 100)),
         _p("distribution", Enum(("uniform", "gaussian")), "uniform"),
         _p("monochrome", Bool(), False)),
    _sig("op_grow", _p("amount", _PCT)),
    _sig("op_growMask", _p("amount", _PCT), stage=Stage.LAYER),
    _sig("op_growMaskR", _p("amount", _PCT), stage=Stage.LAYER),
    _sig("op_sharpen", _p("sharpen", Bool()), stage=Stage.SHARPEN),
    _sig("op_usm", _p("amount", Real(0, 5)), _p("radius", Real(0, 250), 0.0),
         _p("threshold", Int(0, 255), 0), _p("monochrome", Bool(), False), stage=Stage.SHARPEN),
    _sig("op_usmR", _p("amount", Real(0, 5)), _p("radius", Real(0, 250), 0.0),
         _p("threshold", Int(0, 255), 0), _p("monochrome", Bool(), False), stage=Stage.SHARPEN),
)  # fmt: skip

#: Position of each IS command in the table above: the tie-break of the pipeline order.
COMMAND_ORDER = {sig.key: index for index, sig in enumerate(IS_COMMANDS)}
