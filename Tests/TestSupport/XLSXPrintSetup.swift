import Foundation

/// An xlsx file's page setup, links, charts and stored cell types, as
/// openpyxl reads them and, for the charts (which openpyxl does not load),
/// as the zip's parts link them: sheet → drawing → chart.
public struct XLSXPrintSetup: Sendable {
  public struct Sheet: Sendable {
    public var name: String
    public var paperSize: Int?
    public var orientation: String?
    /// nil when the file leaves it out: the format's default, 1.
    public var fitToWidth: Int?
    public var fitToHeight: Int?
    public var fitToPage: Bool
    /// "$2:$3"
    public var printTitleRows: String?
    public var freezePanes: String?
    /// Left, right, top, bottom, in inches.
    public var margins: [Double]
    /// The page header's left and right parts, the footer's centre.
    public var headerLeft: String?
    public var headerRight: String?
    public var footerCenter: String?
    /// Internal links by cell ("A3": "'Tabel 19'!A1").
    public var links: [String: String]
    /// Every cell's stored type by cell ("A3": "s"; "n" number, "f" formula).
    public var types: [String: String]
    /// Every non-empty cell's value as text, and its number format.
    public var values: [String: String]
    public var formats: [String: String]
    /// The charts drawn on the sheet: their part and the ranges they read.
    public var charts: [(part: String, ranges: [String])]
  }

  public var sheets: [Sheet]
  /// The chart parts in the zip (`xl/charts/chart1.xml`, …).
  public var chartParts: [String]

  static let script = """
    import html, json, posixpath, re, sys, zipfile, openpyxl
    path = sys.argv[1]
    z = zipfile.ZipFile(path)
    names = z.namelist()
    def rels(part):
        d, b = posixpath.split(part)
        name = posixpath.join(d, "_rels", b + ".rels")
        if name not in names:
            return {}
        out = {}
        for m in re.finditer(r"<Relationship ([^>]*)/>", z.read(name).decode()):
            a = dict(re.findall(r'(\\w+)="([^"]*)"', m.group(1)))
            if a.get("TargetMode") != "External":
                out[a["Id"]] = posixpath.normpath(posixpath.join(d, a["Target"]))
        return out
    wrels = rels("xl/workbook.xml")
    charts = {}
    for m in re.finditer(r'<sheet name="([^"]*)" sheetId="\\d+" r:id="(\\w+)"/>', z.read("xl/workbook.xml").decode()):
        found = []
        for target in rels(wrels[m.group(2)]).values():
            if "/drawings/" in target:
                for c in rels(target).values():
                    if "/charts/" in c:
                        refs = re.findall(r"<c:f>([^<]*)</c:f>", z.read(c).decode())
                        found.append([c, [html.unescape(r) for r in refs]])
        charts[html.unescape(m.group(1))] = found
    wb = openpyxl.load_workbook(path)
    out = {"charts": sorted(n for n in names if n.startswith("xl/charts/")), "sheets": []}
    for ws in wb.worksheets:
        ps, pm = ws.page_setup, ws.page_margins
        pr = ws.sheet_properties.pageSetUpPr
        links, types, values, formats = {}, {}, {}, {}
        for row in ws.iter_rows():
            for c in row:
                if c.hyperlink is not None:
                    links[c.coordinate] = c.hyperlink.location
                if c.value is None:
                    continue
                types[c.coordinate] = c.data_type
                values[c.coordinate] = str(c.value)
                formats[c.coordinate] = c.number_format
        out["sheets"].append({
            "name": ws.title, "paper": int(ps.paperSize) if ps.paperSize is not None else None,
            "orientation": ps.orientation,
            "fitw": int(ps.fitToWidth) if ps.fitToWidth is not None else None,
            "fith": int(ps.fitToHeight) if ps.fitToHeight is not None else None,
            "fit": bool(pr.fitToPage) if pr is not None else False,
            "titles": ws.print_title_rows, "freeze": ws.freeze_panes,
            "margins": [pm.left, pm.right, pm.top, pm.bottom],
            "hl": ws.oddHeader.left.text, "hr": ws.oddHeader.right.text, "fc": ws.oddFooter.center.text,
            "links": links, "types": types, "values": values, "formats": formats,
            "charts": charts.get(ws.title, [])})
    print(json.dumps(out))
    """

  /// Reads `path` with openpyxl and its zip parts.
  public init(path: String) throws {
    let py = try python3(with: "openpyxl")
    let r = try runTool(py, ["-c", Self.script, path])
    guard r.exit == 0 else { throw MissingTool(description: "openpyxl cannot read \(path): \(r.stderr)") }
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    chartParts = json["charts"] as? [String] ?? []
    sheets = (json["sheets"] as? [[String: Any]] ?? []).map { s in
      func int(_ k: String) -> Int? { (s[k] as? NSNumber)?.intValue }
      func strings(_ k: String) -> [String: String] { s[k] as? [String: String] ?? [:] }
      return Sheet(
        name: s["name"] as? String ?? "", paperSize: int("paper"), orientation: s["orientation"] as? String,
        fitToWidth: int("fitw"), fitToHeight: int("fith"), fitToPage: s["fit"] as? Bool ?? false,
        printTitleRows: s["titles"] as? String, freezePanes: s["freeze"] as? String,
        margins: (s["margins"] as? [NSNumber] ?? []).map(\.doubleValue), headerLeft: s["hl"] as? String,
        headerRight: s["hr"] as? String, footerCenter: s["fc"] as? String, links: strings("links"),
        types: strings("types"), values: strings("values"), formats: strings("formats"),
        charts: (s["charts"] as? [[Any]] ?? []).map { ($0[0] as? String ?? "", $0[1] as? [String] ?? []) })
    }
  }
}
