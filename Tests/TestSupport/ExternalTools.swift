import Foundation

/// A tool a test needs is not installed (`make test` installs them).
public struct MissingTool: Error, CustomStringConvertible {
  public let description: String
}

/// Runs `executable` with `arguments`; returns exit status, stdout, stderr.
public func runTool(_ executable: String, _ arguments: [String]) throws -> (
  exit: Int32, stdout: String, stderr: String
) {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: executable)
  p.arguments = arguments
  // stderr goes to a file, so that neither it nor stdout can fill a pipe
  // and block the tool while the other is read.
  let errPath = NSTemporaryDirectory() + "lunapipe-tool-stderr-\(UUID().uuidString)"
  _ = FileManager.default.createFile(atPath: errPath, contents: nil)
  defer { try? FileManager.default.removeItem(atPath: errPath) }
  guard let errFile = FileHandle(forWritingAtPath: errPath) else {
    throw MissingTool(description: "cannot write \(errPath)")
  }
  let out = Pipe()
  p.standardOutput = out
  p.standardError = errFile
  try p.run()
  let o = out.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  try? errFile.close()
  let e = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
  return (p.terminationStatus, String(decoding: o, as: UTF8.self), e)
}

/// The first of `candidates` that is an executable file, or the first found
/// as `name` on the PATH.
func findExecutable(_ candidates: [String], name: String) -> String? {
  let fm = FileManager.default
  if let c = candidates.first(where: { fm.isExecutableFile(atPath: $0) }) { return c }
  let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
  for dir in path.split(separator: ":") where fm.isExecutableFile(atPath: "\(dir)/\(name)") {
    return "\(dir)/\(name)"
  }
  return nil
}

/// A Python 3 that can import `module` (Debian's `/usr/bin/python3` first:
/// `make test` installs `python3-openpyxl` for it).
public func python3(with module: String) throws -> String {
  var candidates = ["/usr/bin/python3"]
  if let p = findExecutable([], name: "python3") { candidates.append(p) }
  for p in candidates where FileManager.default.isExecutableFile(atPath: p) {
    if let r = try? runTool(p, ["-c", "import \(module)"]), r.exit == 0 { return p }
  }
  throw MissingTool(description: "no python3 with \(module): run `make test` (installs python3-\(module))")
}

/// Headless Chromium, `chromium` or `chromium-browser` on the PATH (`make
/// test` installs Debian's `chromium`, in `/usr/bin`).
public func chromium() throws -> String {
  guard let c = findExecutable([], name: "chromium") ?? findExecutable([], name: "chromium-browser") else {
    throw MissingTool(description: "no chromium on the PATH: run `make test` (installs chromium)")
  }
  return c
}

/// An xlsx file as an independent reader (openpyxl) sees it.
public struct XLSXContents {
  public struct Cell {
    public var value: Any
    public var isNumber: Bool
    public var numberFormat: String
    public var bold: Bool
  }

  public struct Sheet {
    public var name: String
    /// The top-left cell of the scrolling pane ("B3"), if panes are frozen.
    public var freezePanes: String?
    /// Cells by (row, column), both from 1 as in Excel.
    public var cells: [[Int]: Cell]
    /// Column widths by column letter.
    public var widths: [String: Double]

    public func text(_ row: Int, _ column: Int) -> String? { cells[[row, column]]?.value as? String }
    public func number(_ row: Int, _ column: Int) -> Double? {
      guard let c = cells[[row, column]], c.isNumber else { return nil }
      return (c.value as? NSNumber)?.doubleValue
    }
  }

  public var title: String?
  /// The creation time, ISO 8601 as openpyxl reads it.
  public var created: String?
  public var sheets: [Sheet]

  static let script = """
    import json, sys, openpyxl
    wb = openpyxl.load_workbook(sys.argv[1])
    p = wb.properties
    out = {"title": p.title, "created": p.created.isoformat() if p.created else None, "sheets": []}
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                num = isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
                cells.append([c.row, c.column, c.value if num else str(c.value), num,
                              c.number_format, bool(c.font.b)])
        widths = {k: d.width for k, d in ws.column_dimensions.items()}
        out["sheets"].append({"name": ws.title, "freeze": ws.freeze_panes, "cells": cells,
                              "widths": widths})
    print(json.dumps(out))
    """

  /// Reads `path` with openpyxl.
  public init(path: String) throws {
    let py = try python3(with: "openpyxl")
    let r = try runTool(py, ["-c", Self.script, path])
    guard r.exit == 0 else { throw MissingTool(description: "openpyxl cannot read \(path): \(r.stderr)") }
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    title = json["title"] as? String
    created = json["created"] as? String
    sheets = (json["sheets"] as? [[String: Any]] ?? []).map { s in
      var cells: [[Int]: Cell] = [:]
      for c in s["cells"] as? [[Any]] ?? [] {
        let row = (c[0] as? NSNumber)?.intValue ?? 0
        let col = (c[1] as? NSNumber)?.intValue ?? 0
        cells[[row, col]] = Cell(
          value: c[2], isNumber: (c[3] as? Bool) ?? false, numberFormat: c[4] as? String ?? "",
          bold: (c[5] as? Bool) ?? false)
      }
      let widths = (s["widths"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
      return Sheet(name: s["name"] as? String ?? "", freezePanes: s["freeze"] as? String, cells: cells, widths: widths)
    }
  }
}

/// A PNG screenshot as measured by a small stdlib-only Python decoder.
public struct PNGStatistics {
  public var width: Int
  public var height: Int
  /// Share of pixels that are not (near) white.
  public var nonWhiteShare: Double
  /// Distinct colours (RGB).
  public var colors: Int
  /// Pixels close to `#1f4e79` (the report's dark blue).
  public var darkBluePixels: Int

  static let script = """
    import json, struct, sys, zlib
    try:
        from PIL import Image  # fast path when Pillow is installed
        im = Image.open(sys.argv[1]).convert("RGB")
        w, h = im.size
        px = im.getdata()
        nonwhite = sum(1 for r, g, b in px if r < 245 or g < 245 or b < 245)
        blue = sum(1 for r, g, b in px if abs(r - 0x1f) < 12 and abs(g - 0x4e) < 12 and abs(b - 0x79) < 12)
        print(json.dumps({"width": w, "height": h, "nonwhite": nonwhite / (w * h),
                          "colors": len(im.getcolors(5000) or range(5000)), "blue": blue}))
        sys.exit(0)
    except ImportError:
        pass
    data = open(sys.argv[1], "rb").read()
    assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert depth == 8 and ctype in (2, 6), "unexpected PNG type"
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    nonwhite = blue = 0
    colors = set()
    i = 0
    for y in range(h):
        f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        if f == 1:
            for x in range(bpp, stride): line[x] = (line[x] + line[x - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 255
        elif f == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c; pa = abs(p - a); pb = abs(p - b); pc = abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        for x in range(0, stride, bpp):
            r, g, b = line[x], line[x + 1], line[x + 2]
            if r < 245 or g < 245 or b < 245:
                nonwhite += 1
            if abs(r - 0x1f) < 12 and abs(g - 0x4e) < 12 and abs(b - 0x79) < 12:
                blue += 1
            if len(colors) < 5000:
                colors.add((r, g, b))
        prev = line
    print(json.dumps({"width": w, "height": h, "nonwhite": nonwhite / (w * h), "colors": len(colors),
                      "blue": blue}))
    """

  public init(path: String) throws {
    let py = try python3(with: "zlib")
    let r = try runTool(py, ["-c", Self.script, path])
    guard r.exit == 0 else { throw MissingTool(description: "cannot decode \(path): \(r.stderr)") }
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    width = (json["width"] as? NSNumber)?.intValue ?? 0
    height = (json["height"] as? NSNumber)?.intValue ?? 0
    nonWhiteShare = (json["nonwhite"] as? NSNumber)?.doubleValue ?? 0
    colors = (json["colors"] as? NSNumber)?.intValue ?? 0
    darkBluePixels = (json["blue"] as? NSNumber)?.intValue ?? 0
  }
}

/// Renders `html` (a file) in headless Chromium and returns the PNG's path.
public func screenshot(_ html: String, width: Int = 1280, height: Int = 4000) throws -> String {
  let png = makeTempDir("screenshot") + "/page.png"
  let profile = makeTempDir("chromium-profile")
  let r = try runTool(
    try chromium(),
    [
      "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile)",
      "--screenshot=\(png)", "--window-size=\(width),\(height)", URL(fileURLWithPath: html).absoluteString,
    ])
  guard FileManager.default.fileExists(atPath: png) else {
    throw MissingTool(description: "chromium wrote no screenshot (exit \(r.exit)): \(r.stderr)")
  }
  return png
}

/// Poppler's `pdftotext` and `pdfinfo` (`make test` installs Debian's
/// `poppler-utils`, in `/usr/bin`): the directory holding both.
public func poppler() throws -> (pdftotext: String, pdfinfo: String) {
  guard let text = findExecutable([], name: "pdftotext"), let info = findExecutable([], name: "pdfinfo") else {
    throw MissingTool(description: "no pdftotext/pdfinfo on the PATH: run `make test` (installs poppler-utils)")
  }
  return (text, info)
}

/// Prints `html` (a file) to PDF with headless Chromium, as a reader's
/// "Save as PDF" does (the page's own `@page` rules, no browser header or
/// footer), and returns the PDF's path.
public func printToPDF(_ html: String) throws -> String {
  let pdf = makeTempDir("print") + "/page.pdf"
  let profile = makeTempDir("chromium-profile")
  let r = try runTool(
    try chromium(),
    [
      "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--no-pdf-header-footer",
      "--print-to-pdf=\(pdf)", URL(fileURLWithPath: html).absoluteString,
    ])
  guard FileManager.default.fileExists(atPath: pdf) else {
    throw MissingTool(description: "chromium wrote no PDF (exit \(r.exit)): \(r.stderr)")
  }
  return pdf
}

/// A PDF as poppler reads it: each page's MediaBox (from `pdfinfo -box`)
/// and the words on it with their boxes (from `pdftotext -bbox`), in the
/// order they are drawn.
public struct PDFPages {
  public struct Word {
    public var text: String
    public var xMin, yMin, xMax, yMax: Double
  }

  public struct Page {
    /// The MediaBox's width and height in points (A4: 595 x 842).
    public var width: Double
    public var height: Double
    /// The size pdftotext gives the page, which it crops words to.
    public var textWidth: Double
    public var textHeight: Double
    public var words: [Word]
    /// The words joined by single spaces.
    public var text: String { words.map(\.text).joined(separator: " ") }
    public var isLandscape: Bool { width > height }
    /// Words that reach outside the page: cut off on paper.
    public var outside: [Word] {
      words.filter { $0.xMin < -0.5 || $0.yMin < -0.5 || $0.xMax > width + 0.5 || $0.yMax > height + 0.5 }
    }
  }

  public var pages: [Page]

  /// Reads `pdf` with pdfinfo and pdftotext.
  public init(path pdf: String) throws {
    let tools = try poppler()
    let info = try runTool(tools.pdfinfo, ["-box", "-f", "1", "-l", "100000", pdf])
    guard info.exit == 0 else { throw MissingTool(description: "pdfinfo cannot read \(pdf): \(info.stderr)") }
    // "Page    1 MediaBox:     0.00     0.00   594.96   841.92"
    var boxes: [(Double, Double)] = []
    for line in info.stdout.split(separator: "\n") where line.hasPrefix("Page") && line.contains("MediaBox:") {
      let n = line.split(separator: ":").last!.split(separator: " ").compactMap { Double($0) }
      if n.count == 4 { boxes.append((n[2] - n[0], n[3] - n[1])) }
    }
    let bbox = try runTool(tools.pdftotext, ["-bbox", pdf, "-"])
    guard bbox.exit == 0 else { throw MissingTool(description: "pdftotext cannot read \(pdf): \(bbox.stderr)") }
    func attr(_ s: Substring, _ name: String) -> Double {
      guard let r = s.range(of: name + "=\"") else { return .nan }
      return Double(s[r.upperBound...].prefix { $0 != "\"" }) ?? .nan
    }
    func unescape(_ s: Substring) -> String {
      s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
    var pages: [Page] = []
    for line in bbox.stdout.split(separator: "\n") {
      let l = line.drop { $0 == " " }
      if l.hasPrefix("<page ") {
        let i = pages.count
        let box = i < boxes.count ? boxes[i] : (.nan, .nan)
        pages.append(
          Page(width: box.0, height: box.1, textWidth: attr(l, "width"), textHeight: attr(l, "height"), words: []))
      } else if l.hasPrefix("<word "), !pages.isEmpty, let gt = l.firstIndex(of: ">"),
        let end = l.range(of: "</word>")
      {
        let text = unescape(l[l.index(after: gt)..<end.lowerBound])
        pages[pages.count - 1].words.append(
          Word(text: text, xMin: attr(l, "xMin"), yMin: attr(l, "yMin"), xMax: attr(l, "xMax"), yMax: attr(l, "yMax")))
      }
    }
    guard pages.count == boxes.count else {
      throw MissingTool(description: "pdfinfo gives \(boxes.count) pages, pdftotext \(pages.count)")
    }
    self.pages = pages
  }
}
