/* QR Code symbols (ISO/IEC 18004) drawn in the browser, so the server sends a frame's text, not its picture.

   Byte mode (the text as UTF-8), error correction level M like the server's fallback image, the smallest of
   versions 1–40 that holds the text, and the mask of least penalty (the four rules of the standard, scored on
   the whole symbol with its format information). */

// Level M, per version (index = version - 1): error correction codewords per block, and blocks.
const EC_PER_BLOCK = [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28];
const EC_BLOCKS = [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26,
  28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49];
const LEVEL_M_BITS = 0; // the format information's two bits for level M
const BYTE_MODE = 4;
const PAD_BYTES = [0xec, 0x11];
const MASKS = [
  function (r, c) { return (r + c) % 2 === 0; },
  function (r) { return r % 2 === 0; },
  function (r, c) { return c % 3 === 0; },
  function (r, c) { return (r + c) % 3 === 0; },
  function (r, c) { return (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0; },
  function (r, c) { return (r * c) % 2 + (r * c) % 3 === 0; },
  function (r, c) { return ((r * c) % 2 + (r * c) % 3) % 2 === 0; },
  function (r, c) { return ((r + c) % 2 + (r * c) % 3) % 2 === 0; },
];

// --- Reed–Solomon over GF(256), field polynomial x^8 + x^4 + x^3 + x^2 + 1 ----------------------------------

const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = EXP[i + 255] = x;
  LOG[x] = i;
  x = x & 0x80 ? ((x << 1) ^ 0x11d) : x << 1;
}

function times(a, b) { return a && b ? EXP[LOG[a] + LOG[b]] : 0; }

const generators = {};

/* (x - α^0)(x - α^1)…(x - α^(degree-1)), highest power first, its leading 1 left out. */
function generator(degree) {
  if (!generators[degree]) {
    let poly = [1];
    for (let i = 0; i < degree; i++) {
      const next = new Array(poly.length + 1).fill(0);
      poly.forEach(function (coef, j) { next[j] ^= coef; next[j + 1] ^= times(coef, EXP[i]); });
      poly = next;
    }
    generators[degree] = poly.slice(1);
  }
  return generators[degree];
}

/* The error correction codewords of one block: the remainder of data·x^n divided by the generator. */
function errorCorrection(data, degree) {
  const gen = generator(degree);
  const rem = new Array(degree).fill(0);
  data.forEach(function (byte) {
    const factor = byte ^ rem.shift();
    rem.push(0);
    for (let i = 0; i < degree; i++) rem[i] ^= times(gen[i], factor);
  });
  return rem;
}

// --- sizes ---------------------------------------------------------------------------------------------------

function sideOf(version) { return version * 4 + 17; }

/* Modules left for codewords (and remainder bits) once every function pattern is placed. */
function dataModules(version) {
  let n = (16 * version + 128) * version + 64; // all modules less finders, separators, timing, format areas
  if (version >= 2) {
    const a = Math.floor(version / 7) + 2;
    n -= (25 * a - 10) * a - 55; // alignment patterns, less where they cross the timing patterns
    if (version >= 7) n -= 36; // the two version information blocks
  }
  return n;
}

function dataCodewords(version) {
  return Math.floor(dataModules(version) / 8) - EC_PER_BLOCK[version - 1] * EC_BLOCKS[version - 1];
}

function countBits(version) { return version <= 9 ? 8 : 16; }

/* Row and column centres of the alignment patterns: 6, then evenly spaced up to side - 7. */
function alignmentCentres(version) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const centres = [6];
  for (let pos = sideOf(version) - 7; centres.length < count; pos -= step) centres.splice(1, 0, pos);
  return centres;
}

// --- codewords -----------------------------------------------------------------------------------------------

function bitsOf(bytes, version) {
  const capacity = dataCodewords(version) * 8;
  const bits = [];
  const put = function (value, length) { for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1); };
  put(BYTE_MODE, 4);
  put(bytes.length, countBits(version));
  bytes.forEach(function (b) { put(b, 8); });
  put(0, Math.min(4, capacity - bits.length)); // terminator
  put(0, (8 - bits.length % 8) % 8);
  for (let i = 0; bits.length < capacity; i++) put(PAD_BYTES[i % 2], 8);
  const codewords = [];
  for (let i = 0; i < bits.length; i += 8) {
    codewords.push(bits.slice(i, i + 8).reduce(function (acc, bit) { return (acc << 1) | bit; }, 0));
  }
  return codewords;
}

/* Data split into blocks (the shorter ones first), each with its error correction, interleaved. */
function interleaved(data, version) {
  const blocks = EC_BLOCKS[version - 1];
  const degree = EC_PER_BLOCK[version - 1];
  const total = Math.floor(dataModules(version) / 8);
  const shortBlocks = blocks - total % blocks;
  const shortData = Math.floor(total / blocks) - degree;
  const parts = [];
  for (let i = 0, at = 0; i < blocks; i++) {
    const length = shortData + (i < shortBlocks ? 0 : 1);
    const block = data.slice(at, at + length);
    at += length;
    parts.push({ data: block, ec: errorCorrection(block, degree) });
  }
  const out = [];
  for (let i = 0; i <= shortData; i++) {
    parts.forEach(function (p) { if (i < p.data.length) out.push(p.data[i]); });
  }
  for (let i = 0; i < degree; i++) parts.forEach(function (p) { out.push(p.ec[i]); });
  return out;
}

// --- the symbol ----------------------------------------------------------------------------------------------

function Matrix(version) {
  this.version = version;
  this.size = sideOf(version);
  this.dark = new Uint8Array(this.size * this.size);
  this.fixed = new Uint8Array(this.size * this.size); // function patterns: no data, no mask
}

Matrix.prototype.set = function (row, col, dark) {
  this.dark[row * this.size + col] = dark ? 1 : 0;
  this.fixed[row * this.size + col] = 1;
};

Matrix.prototype.isDark = function (row, col) { return this.dark[row * this.size + col] === 1; };

/* A square pattern centred on (row, col) whose rings are dark or light by their distance from the centre. */
Matrix.prototype.rings = function (row, col, radius, darkAt) {
  for (let dr = -radius; dr <= radius; dr++) {
    for (let dc = -radius; dc <= radius; dc++) {
      const r = row + dr;
      const c = col + dc;
      if (r >= 0 && r < this.size && c >= 0 && c < this.size) {
        this.set(r, c, darkAt(Math.max(Math.abs(dr), Math.abs(dc))));
      }
    }
  }
};

Matrix.prototype.drawFunctionPatterns = function () {
  const size = this.size;
  for (let i = 0; i < size; i++) {
    this.set(6, i, i % 2 === 0);
    this.set(i, 6, i % 2 === 0);
  }
  const finder = function (d) { return d !== 2 && d !== 4; }; // 7×7 finder with its light separator
  this.rings(3, 3, 4, finder);
  this.rings(3, size - 4, 4, finder);
  this.rings(size - 4, 3, 4, finder);
  const centres = alignmentCentres(this.version);
  const last = centres.length - 1;
  centres.forEach(function (r, i) {
    centres.forEach(function (c, j) {
      const onFinder = (i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0);
      if (!onFinder) this.rings(r, c, 2, function (d) { return d !== 1; });
    }, this);
  }, this);
  this.drawFormat(0); // reserves the format areas (and sets the dark module); redrawn once the mask is known
  if (this.version >= 7) this.drawVersion();
};

/* 15 bits: level and mask, BCH(15,5) remainder, XOR 101010000010010; two copies around the finders. */
Matrix.prototype.drawFormat = function (mask) {
  const size = this.size;
  const data = (LEVEL_M_BITS << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  const bits = ((data << 10) | rem) ^ 0x5412;
  const bit = function (i) { return ((bits >>> i) & 1) === 1; };
  for (let i = 0; i <= 5; i++) this.set(i, 8, bit(i));
  this.set(7, 8, bit(6));
  this.set(8, 8, bit(7));
  this.set(8, 7, bit(8));
  for (let i = 9; i < 15; i++) this.set(8, 14 - i, bit(i));
  for (let i = 0; i < 8; i++) this.set(8, size - 1 - i, bit(i));
  for (let i = 8; i < 15; i++) this.set(size - 15 + i, 8, bit(i));
  this.set(size - 8, 8, true); // the dark module
};

/* 18 bits: the version, BCH(18,6) remainder; one 6×3 block by each of the two upper finders' free side. */
Matrix.prototype.drawVersion = function () {
  let rem = this.version;
  for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  const bits = (this.version << 12) | rem;
  for (let i = 0; i < 18; i++) {
    const dark = ((bits >>> i) & 1) === 1;
    const a = this.size - 11 + i % 3;
    const b = Math.floor(i / 3);
    this.set(b, a, dark);
    this.set(a, b, dark);
  }
};

/* Codeword bits, most significant first, in two-module columns zigzagging up and down from the bottom right
   (column 6, the vertical timing pattern, is skipped); remainder bits stay light. */
Matrix.prototype.drawCodewords = function (codewords) {
  const size = this.size;
  let i = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const upward = ((right + 1) & 2) === 0;
    for (let step = 0; step < size; step++) {
      const row = upward ? size - 1 - step : step;
      for (let j = 0; j < 2; j++) {
        const at = row * size + right - j;
        if (!this.fixed[at]) {
          this.dark[at] = i < codewords.length * 8 ? (codewords[i >>> 3] >>> (7 - (i & 7))) & 1 : 0;
          i++;
        }
      }
    }
  }
};

/* Flip every data module where the mask's condition holds (applying it twice undoes it). */
Matrix.prototype.applyMask = function (mask) {
  const test = MASKS[mask];
  for (let r = 0; r < this.size; r++) {
    for (let c = 0; c < this.size; c++) {
      if (!this.fixed[r * this.size + c] && test(r, c)) this.dark[r * this.size + c] ^= 1;
    }
  }
};

// --- penalty -------------------------------------------------------------------------------------------------

const FINDER_LIKE = [[1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1]];

/* N1 (runs of five or more), N3 (1:1:3:1:1 with four light modules on a side) along one row or column. */
function linePenalty(line) {
  let score = 0;
  let run = 1;
  for (let i = 1; i <= line.length; i++) {
    if (i < line.length && line[i] === line[i - 1]) { run++; continue; }
    if (run >= 5) score += 3 + (run - 5);
    run = 1;
  }
  for (let i = 0; i + 11 <= line.length; i++) {
    FINDER_LIKE.forEach(function (pattern) {
      if (pattern.every(function (bit, k) { return line[i + k] === bit; })) score += 40;
    });
  }
  return score;
}

Matrix.prototype.penalty = function () {
  const size = this.size;
  const dark = this.dark;
  let score = 0;
  let darkCount = 0;
  for (let i = 0; i < size; i++) {
    score += linePenalty(dark.subarray(i * size, (i + 1) * size));
    const column = new Uint8Array(size);
    for (let r = 0; r < size; r++) column[r] = dark[r * size + i];
    score += linePenalty(column);
  }
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const here = dark[r * size + c];
      darkCount += here;
      if (r + 1 < size && c + 1 < size && here === dark[r * size + c + 1] && here === dark[(r + 1) * size + c] &&
          here === dark[(r + 1) * size + c + 1]) score += 3; // N2: a 2×2 block of one colour
    }
  }
  const total = size * size;
  return score + 10 * Math.floor(Math.abs(darkCount * 20 - total * 10) / total); // N4: each full 5% off 50%
};

// --- the encoder ---------------------------------------------------------------------------------------------

/* The QR Code of `text`: {version, mask, size, isDark(row, col)}. Options, for tests: `version` (the least to
   use), `mask` (0–7 instead of the least penalty). */
export function encode(text, options) {
  const opts = options || {};
  const bytes = Array.from(new TextEncoder().encode(text));
  let version = opts.version || 1;
  while (version <= 40 && 4 + countBits(version) + bytes.length * 8 > dataCodewords(version) * 8) version++;
  if (version > 40) throw new RangeError("text too long for a QR Code");
  const symbol = new Matrix(version);
  symbol.drawFunctionPatterns();
  symbol.drawCodewords(interleaved(bitsOf(bytes, version), version));
  let mask = opts.mask;
  if (mask === undefined) {
    let least = Infinity;
    for (let m = 0; m < 8; m++) {
      symbol.applyMask(m);
      symbol.drawFormat(m);
      const score = symbol.penalty();
      if (score < least) { least = score; mask = m; }
      symbol.applyMask(m);
    }
  }
  symbol.applyMask(mask);
  symbol.drawFormat(mask);
  return { version: version, mask: mask, size: symbol.size, isDark: symbol.isDark.bind(symbol) };
}

let canvas = null;

/* A PNG data URL of the symbol: `scale` pixels per module, a quiet zone of `border` modules (as the server's
   image: 8 and 4). */
export function pngDataUrl(code, scale, border) {
  const px = scale || 8;
  const quiet = border === undefined ? 4 : border;
  const side = (code.size + 2 * quiet) * px;
  canvas = canvas || document.createElement("canvas");
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, side, side);
  ctx.fillStyle = "#000";
  for (let r = 0; r < code.size; r++) {
    for (let c = 0; c < code.size; c++) {
      if (code.isDark(r, c)) ctx.fillRect((c + quiet) * px, (r + quiet) * px, px, px);
    }
  }
  return canvas.toDataURL("image/png");
}
