import Foundation
import LunaDomain
import LunaPipeCore
import Yams

/// What is wrong with a plan file: every mistake found, each with its line
/// and key. `lunapipe` exits 78 (configuration) on it, before any input is
/// read.
public struct PlanError: Error, CustomStringConvertible, Sendable {
  /// One mistake: the line (1-based; 0 when the file as a whole), the key
  /// it is about, and what is wrong.
  public struct Problem: Sendable, Equatable {
    public var line: Int
    public var key: String
    public var message: String
  }

  /// The plan file.
  public var file: String
  /// Every mistake, by line.
  public var problems: [Problem]

  /// One line per mistake: `FILE:LINE: key: message`.
  public var description: String {
    problems.map { p in
      "\(file):\(p.line): \(p.key.isEmpty ? "" : "\(p.key): ")\(p.message)"
    }.joined(separator: "\n")
  }
}

extension Plan {
  /// The built-in praksisplan (`Pipelines/Praksisplan/praksisplan.yaml`,
  /// compiled in).
  public static let builtIn: Plan = {
    do {
      var plan = try Plan.parse(builtInText, file: "built-in praksisplan.yaml")
      plan.requiresEveryYear = false
      return plan
    } catch {
      fatalError("the built-in plan file does not check: \(error)")
    }
  }()

  /// The text of the built-in plan file.
  public static var builtInText: String { String(decoding: PackageResources.praksisplan_yaml, as: UTF8.self) }

  /// Reads and checks a plan file. A supplied table's file is relative to
  /// the plan file's folder and must stay inside it: no absolute path, no
  /// `..`, no symlink leading out (its real path is under the folder's real
  /// path). Throws `PlanError` (every mistake, with its line) or
  /// `PipelineError.input` when the file cannot be read.
  public static func read(file: String) throws -> Plan {
    // A regular file only: a FIFO or a device as the plan never ends.
    let data: [UInt8]
    do {
      data = try InputFiles().readAll(file)
    } catch let e as PipelineError {
      throw PipelineError.input("cannot read the plan file: \(e)")
    }
    guard let text = String(validating: data, as: UTF8.self) else {
      throw PlanError(file: file, problems: [.init(line: 0, key: "", message: "is not UTF-8 text")])
    }
    return try parse(text, file: file, folder: (file as NSString).deletingLastPathComponent)
  }

  /// Parses and checks a plan's text (`file` names it in errors). A
  /// supplied table's `file:` must be a relative path without `..`; it is
  /// resolved and checked on disk only by `read(file:)`.
  public static func parse(_ text: String, file: String) throws -> Plan {
    try parse(text, file: file, folder: nil)
  }

  /// `folder`: the plan file's folder ("" for the current one), in which
  /// the supplied files are resolved and must lie; nil: not resolved.
  static func parse(_ text: String, file: String, folder: String?) throws -> Plan {
    var reader = PlanReader(file: file, folder: folder)
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let e as YamlError {
      throw PlanError(file: file, problems: [reader.problem(yaml: e)])
    }
    let plan = reader.plan(root)
    if !reader.problems.isEmpty {
      let sorted = reader.problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
      throw PlanError(file: file, problems: sorted.map(\.element))
    }
    return plan!
  }
}

/// Where a plan's supplied files may be: inside the plan file's folder.
enum PlanFolder {
  /// Why `name` (a supplied table's `file:` as written) is no path inside
  /// a plan's folder, or nil: absolute, or with a `..` component.
  static func lexicalProblem(_ name: String) -> String? {
    if name.trimmingCharacters(in: .whitespaces).isEmpty { return "is empty; give the file's name beside the plan" }
    if name.hasPrefix("/") {
      return "'\(name)' is an absolute path; a plan reads only files in its own folder (or below it), named relative to it"
    }
    if name.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
      return "'\(name)' has a '..' component; a plan reads only files in its own folder (or below it)"
    }
    return nil
  }

  /// The real path (symlinks resolved) of `path`, or nil when it does not exist.
  /// What `path` is when it is no regular file (`InputFiles.notRegular`);
  /// nil for a regular file.
  static func notRegular(_ path: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return InputFiles.notRegular(st)
  }

  static func realPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
  }

  /// Why `path` (the plan's folder joined with a supplied file's name
  /// `name`) is not inside `folder` once symlinks are resolved, or nil:
  /// inside it, or missing (`realPath` nil; the caller says so).
  static func outsideProblem(_ path: String, name: String, folder: String) -> String? {
    guard let real = realPath(path) else { return nil }
    guard let root = realPath(folder.isEmpty ? "." : folder) else { return "the plan's folder cannot be resolved" }
    if real == root { return "'\(name)' names the plan's folder, not a file in it" }
    if !real.hasPrefix(root == "/" ? "/" : root + "/") {
      return "'\(name)' leads outside the plan's folder (through a symlink, to \(real)); a plan reads only files in its own folder (or below it)"
    }
    return nil
  }
}

/// Reads a plan's YAML nodes, collecting every problem with its line.
struct PlanReader {
  let file: String
  /// The plan file's folder, where supplied files are resolved; nil: not
  /// resolved (`Plan.parse`).
  var folder: String?
  var problems: [PlanError.Problem] = []
  /// Every table's id and line, also of tables with mistakes.
  var numbered: [(id: String, label: String, key: String, line: Int)] = []

  init(file: String, folder: String? = nil) {
    self.file = file
    self.folder = folder
  }

  static let planKeys = ["title", "region", "years", "source"]
  static let tableKeys = [
    "number", "figure", "title", "measure", "speciale", "kommune", "level", "regions", "filter", "part", "unit",
    "decimals", "growth", "years", "year", "columns", "groups", "ages", "total", "omit-empty-rows", "source", "file",
    "fields",
  ]
  /// The keys that only claims tables take.
  static let claimsKeys: Set<String> = [
    "kommune", "level", "regions", "filter", "part", "unit", "growth", "columns", "groups", "total", "omit-empty-rows",
  ]
  static let specialer: Set<Int64> = [51, 57, 62, 65]

  mutating func fail(_ node: Node?, _ key: String, _ message: String) {
    problems.append(.init(line: node?.mark?.line ?? 0, key: key, message: message))
  }

  func problem(yaml e: YamlError) -> PlanError.Problem {
    switch e {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
      .composer(_, let problem, let mark, _):
      return .init(line: mark.line, key: "", message: "not valid YAML: \(problem)")
    case .duplicatedKeysInMapping(let keys, let context):
      return .init(
        line: context.mark.line, key: keys.first ?? "", message: "given twice (\(keys.joined(separator: ", ")))")
    default:
      return .init(line: 0, key: "", message: "not valid YAML: \(e)")
    }
  }

  /// The pairs of a mapping with string keys; unknown keys are problems.
  mutating func pairs(_ node: Node, allowed: [String], in context: String) -> [(key: String, keyNode: Node, value: Node)] {
    guard case .mapping(let m) = node else {
      fail(node, context, "must be a mapping of keys (key: value)")
      return []
    }
    var out: [(key: String, keyNode: Node, value: Node)] = []
    for (k, v) in m {
      let name = k.scalar?.string ?? ""
      guard allowed.contains(name) else {
        let near = allowed.first { $0.lowercased() == name.lowercased() || $0.replacingOccurrences(of: "-", with: "_") == name }
        fail(k, name, "unknown key in \(context)" + (near.map { " (did you mean \($0)?)" } ?? "; known: \(allowed.joined(separator: ", "))"))
        continue
      }
      out.append((name, k, v))
    }
    return out
  }

  mutating func string(_ node: Node, _ key: String) -> String? {
    guard let s = node.scalar?.string else {
      fail(node, key, "must be a single value")
      return nil
    }
    return s
  }

  mutating func int(_ node: Node, _ key: String, in range: ClosedRange<Int>) -> Int? {
    guard let s = string(node, key) else { return nil }
    guard let v = Int(s.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
      fail(node, key, "must be a whole number in \(range.lowerBound)-\(range.upperBound), not '\(s)'")
      return nil
    }
    return v
  }

  mutating func bool(_ node: Node, _ key: String) -> Bool? {
    switch string(node, key)?.lowercased() {
    case "true", "yes", "ja": return true
    case "false", "no", "nej": return false
    case nil: return nil
    case let s?:
      fail(node, key, "must be true or false, not '\(s)'")
      return nil
    }
  }

  mutating func ints(_ node: Node, _ key: String, in range: ClosedRange<Int>) -> [Int64]? {
    let items: [Node]
    if case .sequence(let s) = node { items = Array(s) } else { items = [node] }
    var out: [Int64] = []
    for item in items {
      guard let v = int(item, key, in: range) else { return nil }
      out.append(Int64(v))
    }
    if out.isEmpty { fail(node, key, "must name at least one value") }
    return out.isEmpty ? nil : out
  }

  /// `2019-2023` or `2023`, within the claims' years (2000-2100).
  mutating func years(_ node: Node, _ key: String) -> ClosedRange<Int64>? {
    guard let s = string(node, key) else { return nil }
    let parts = s.split(separator: "-", omittingEmptySubsequences: false).map {
      Int64($0.trimmingCharacters(in: .whitespaces))
    }
    guard (1...2).contains(parts.count), let a = parts.first ?? nil, let b = parts.last ?? nil, a <= b else {
      fail(node, key, "must be a year or a window of years, first-last (2019-2023), not '\(s)'")
      return nil
    }
    guard (2000...2100).contains(a), (2000...2100).contains(b) else {
      fail(node, key, "\(s) is outside the years a claims extract holds (2000-2100)")
      return nil
    }
    return a...b
  }

  /// `50-` (50 and over), `0-17`, `65`.
  mutating func ages(_ node: Node, _ key: String) -> ClosedRange<Int>? {
    guard let s = string(node, key) else { return nil }
    let parts = s.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    let lo = parts.first.flatMap { Int($0) }
    let hi = parts.count == 1 ? lo : (parts[1].isEmpty ? 125 : Int(parts[1]))
    guard parts.count <= 2, let lo, let hi, 0 <= lo, lo <= hi, hi <= 125 else {
      fail(node, key, "must be an age band: 50- (50 and over), 0-17 or 65, not '\(s)'")
      return nil
    }
    return lo...hi
  }

  mutating func flag(_ node: Node, _ key: String) -> Bool? {
    switch string(node, key)?.uppercased() {
    case "J": return true
    case "N": return false
    case nil: return nil
    case let s?:
      fail(node, key, "must be J or N, not '\(s)'")
      return nil
    }
  }

  mutating func filter(_ node: Node, _ key: String) -> PlanFilter? {
    var f = PlanFilter()
    let before = problems.count
    for (name, _, value) in pairs(node, allowed: ["holdtraening", "progressiv", "diagnosegruppe", "alder"], in: key) {
      switch name {
      case "holdtraening": f.holdtraening = flag(value, "\(key).holdtraening")
      case "progressiv": f.progressiv = flag(value, "\(key).progressiv")
      case "alder":
        f.ages = ages(value, "\(key).alder").map { Int64($0.lowerBound)...Int64($0.upperBound) }
      default: f.diagnosegrupper = ints(value, "\(key).diagnosegruppe", in: 1...4)
      }
    }
    if problems.count == before && f.isEmpty { fail(node, key, "names no condition") }
    return problems.count == before ? f : nil
  }

  mutating func title(_ node: Node, _ key: String) -> String? {
    guard let s = string(node, key) else { return nil }
    var rest = Substring(s)
    while let open = rest.firstIndex(of: "{") {
      guard let close = rest[open...].firstIndex(of: "}") else {
        fail(node, key, "has a '{' without its '}'")
        return nil
      }
      let word = String(rest[open...close])
      if !PlanText.placeholders.contains(word) {
        fail(node, key, "\(word) is no placeholder; a title may hold \(PlanText.placeholders.joined(separator: ", "))")
        return nil
      }
      rest = rest[rest.index(after: close)...]
    }
    if s.trimmingCharacters(in: .whitespaces).isEmpty { fail(node, key, "is empty") }
    return s
  }

  /// A supplied table's columns: `- {name: aar, type: integer}`; types
  /// `integer`, `decimal(N)` (N decimals), `text`.
  mutating func fields(_ node: Node) -> [Column]? {
    guard case .sequence(let items) = node, !items.isEmpty else {
      fail(node, "fields", "must list the file's columns: - {name: aar, type: integer}")
      return nil
    }
    var columns: [Column] = []
    for item in items {
      let before = problems.count
      var name: String?
      var kind: Column.Kind?
      var required = true
      for (k, _, v) in pairs(item, allowed: ["name", "type", "required"], in: "fields") {
        switch k {
        case "name": name = string(v, "fields.name")
        case "required": required = bool(v, "fields.required") ?? true
        default:
          let t = string(v, "fields.type")?.lowercased().replacingOccurrences(of: " ", with: "")
          if t == "integer" {
            kind = .integer(Int64.min / 2...Int64.max / 2)
          } else if t == "text" {
            kind = .text(maxLength: 1000)
          } else if let t, t.hasPrefix("decimal("), t.hasSuffix(")"),
            let n = Int(t.dropFirst("decimal(".count).dropLast()), (0...6).contains(n)
          {
            kind = .decimal(scale: n)
          } else if let t {
            fail(v, "fields.type", "must be integer, decimal(N) or text, not '\(t)'")
          }
        }
      }
      guard let name, let kind else {
        // A column whose name or type was wrong is reported already.
        if problems.count == before { fail(item, "fields", "each column needs a name and a type") }
        continue
      }
      columns.append(Column(name, kind, required: required))
    }
    return columns
  }

  mutating func plan(_ root: Node?) -> Plan? {
    guard let root else {
      fail(nil, "", "is empty; a plan has a `plan:` and a `tables:` section")
      return nil
    }
    var title = "Praksisplan for fysioterapi – {region}"
    var region = 1081
    var years: ClosedRange<Int64>?
    var yearsLine = 0
    var source = "Kilde: LUNA BI"
    var tableNodes: [Node] = []
    var sawPlan = false
    var sawTables: Node?
    for (name, keyNode, value) in pairs(root, allowed: ["plan", "tables"], in: "the file") {
      if name == "plan" {
        sawPlan = true
        for (k, kn, v) in pairs(value, allowed: Self.planKeys, in: "plan") {
          switch k {
          case "title": title = self.title(v, "plan.title") ?? title
          case "region":
            guard let s = string(v, "plan.region") else { continue }
            if let code = Praksisplan.region(named: s) {
              region = code
            } else {
              fail(v, "plan.region", "'\(s)' is no region; give 1081-1086 or a name (Nordjylland, Midtjylland, Syddanmark, Hovedstaden, Sjælland, Østdanmark)")
            }
          case "years":
            years = self.years(v, "plan.years")
            yearsLine = kn.mark?.line ?? 0
          default: source = string(v, "plan.source") ?? source
          }
        }
      } else {
        sawTables = keyNode
        if case .sequence(let s) = value { tableNodes = Array(s) } else { fail(value, "tables", "must be a list of tables (- number: ...)") }
      }
    }
    if !sawPlan { fail(root, "plan", "missing: the plan's title, region and years") }
    if sawTables == nil { fail(root, "tables", "missing: the list of tables") }
    if years == nil && sawPlan && !problems.contains(where: { $0.key == "plan.years" }) {
      fail(root, "plan.years", "missing: the plan's window of years (years: 2019-2023)")
    }
    let window = years ?? 2019...2023
    var tables: [PlanTable] = []
    for node in tableNodes {
      if let t = table(node, window: window, source: source) { tables.append(t) }
    }
    if tableNodes.isEmpty && sawTables != nil { fail(sawTables, "tables", "lists no table") }
    var seen: [String: Int] = [:]
    for t in numbered {
      if let first = seen[t.id] {
        problems.append(.init(line: t.line, key: t.key, message: "\(t.label) is given twice (also on line \(first))"))
      } else {
        seen[t.id] = t.line
      }
    }
    return Plan(
      file: file, title: title, region: region, years: window, source: source, tables: tables, yearsLine: yearsLine)
  }

  mutating func table(_ node: Node, window: ClosedRange<Int64>, source planSource: String) -> PlanTable? {
    let before = problems.count
    let line = node.mark?.line ?? 0
    let entries = pairs(node, allowed: Self.tableKeys, in: "a table")
    var values: [String: (key: Node, value: Node)] = [:]
    for e in entries { values[e.key] = (e.keyNode, e.value) }
    func has(_ k: String) -> Bool { values[k] != nil }

    var kind = PlanTable.Kind.table
    var number = 0
    switch (values["number"], values["figure"]) {
    case (let n?, nil): number = int(n.value, "number", in: 1...999) ?? 0
    case (nil, let f?):
      kind = .figure
      number = int(f.value, "figure", in: 1...999) ?? 0
    case (_?, _?): fail(values["figure"]!.key, "figure", "a table has a number or a figure number, not both")
    case (nil, nil): fail(node, "number", "missing: each table has a number (number: 19) or a figure number")
    }
    if number > 0 {
      let id = kind == .figure ? "figur-\(number)" : "tabel-\(number)"
      let key = kind == .figure ? "figure" : "number"
      numbered.append((id, (kind == .figure ? "Figur " : "Tabel ") + String(number), key, values[key]?.key.mark?.line ?? line))
    }
    // A missing or unknown measure is reported and the rest of the table
    // still checked: every key's own value; only what depends on the
    // measure (which keys apply, which are required) is left until it is
    // known.
    let known = PlanMeasure.allCases.filter { $0 != .supplied }.map(\.rawValue).joined(separator: ", ")
    var measure: PlanMeasure?
    if let m = values["measure"] {
      if let ms = string(m.value, "measure") {
        if let v = PlanMeasure(rawValue: ms), v != .supplied {
          measure = v
        } else {
          fail(m.value, "measure", "unknown measure '\(ms)'; known: \(known)")
        }
      }
    } else if values["file"] != nil {
      return suppliedTable(values, kind: kind, number: number, line: line, before: before, source: planSource)
    } else {
      fail(node, "measure", "missing: what the table holds (\(known))")
    }
    if let measure, !measure.isClaims {
      for k in Self.claimsKeys.sorted() where has(k) {
        fail(values[k]!.key, k, "does not apply to measure \(measure.rawValue) (only to tables of the claims)")
      }
    }
    for k in ["file", "fields"] where has(k) {
      fail(values[k]!.key, k, "belongs to a supplied table, which has no measure")
    }
    let title = values["title"].flatMap { self.title($0.value, "title") }
    if values["title"] == nil { fail(node, "title", "missing: the table's title (after \"Tabel N: \")") }

    // Specialer
    var specialer: [Int64] = []
    if let s = values["speciale"] {
      specialer = ints(s.value, "speciale", in: 0...99) ?? []
      for v in specialer where !Self.specialer.contains(v) {
        fail(s.value, "speciale", "\(v) is no speciale of the claims; known: 51, 57, 62, 65")
      }
    }
    let needsSpeciale: Set<PlanMeasure> = [
      .udgift, .ydelser, .patienter, .udgiftPrPatient, .ydelserPrPatient, .andelPatienter, .indbyggerePrKapacitet,
      .patienterPr1000, .aldersfordeling,
    ]
    if let measure, needsSpeciale.contains(measure) && values["speciale"] == nil {
      fail(node, "speciale", "missing: the specialer the table counts (speciale: [51])")
    }
    if let measure, [.indbyggerePrKapacitet, .patienterPr1000, .aldersfordeling].contains(measure), specialer.count > 1 {
      fail(values["speciale"]!.value, "speciale", "\(measure.rawValue) takes one speciale")
    }
    if measure == .indbyggerePrKapacitet, let s = specialer.first, s != 51 && s != 62 {
      fail(values["speciale"]!.value, "speciale", "the register holds capacity for specialer 51 and 62 only")
    }
    if let measure, !needsSpeciale.contains(measure), let s = values["speciale"] {
      fail(s.key, "speciale", "does not apply to measure \(measure.rawValue)")
    }

    var kommune = KommuneKey.yder
    if let k = values["kommune"], let s = string(k.value, "kommune") {
      if let v = KommuneKey(rawValue: s.lowercased()) { kommune = v } else {
        fail(k.value, "kommune", "must be yder (the clinic's kommune) or patient (the patient's), not '\(s)'")
      }
    }
    var level = PlanLevel.kommune
    if let l = values["level"], let s = string(l.value, "level") {
      switch s.lowercased() {
      case "kommune": level = .kommune
      case "region": level = .region(order: RegionRows.alphabetical)
      case "land", "country": level = .country
      default: fail(l.value, "level", "must be kommune, region or land, not '\(s)'")
      }
    }
    if let r = values["regions"] {
      if case .region = level {
        level = .region(order: regionOrder(r.value) ?? RegionRows.alphabetical)
      } else {
        fail(r.key, "regions", "only a table with level: region lists regions")
      }
    }
    let filter = values["filter"].flatMap { self.filter($0.value, "filter") } ?? PlanFilter()
    let part = values["part"].flatMap { self.filter($0.value, "part") }
    if measure == .andelPatienter && values["part"] == nil {
      fail(node, "part", "missing: a share names the part it counts (part: {holdtraening: J})")
    }
    if let measure, measure != .andelPatienter, let p = values["part"] {
      fail(p.key, "part", "only a share (measure: andel-patienter) has a part")
    }
    var unit = PlanUnit.kroner
    if let u = values["unit"], let s = string(u.value, "unit") {
      if let measure, measure != .udgift {
        fail(u.key, "unit", "only an udgift table has a unit (kr. or mio. kr.)")
      } else if let v = PlanUnit(rawValue: s) ?? (s == "kr" ? .kroner : s == "mio" ? .millions : nil) {
        unit = v
      } else {
        fail(u.value, "unit", "must be kr. or mio. kr., not '\(s)'")
      }
    }
    var columns = PlanColumns.years
    if let c = values["columns"], let s = string(c.value, "columns") {
      switch s.lowercased() {
      case "aar", "år", "years": columns = .years
      case "diagnosegruppe":
        guard let g = values["groups"] else {
          fail(c.key, "groups", "missing: the diagnosis groups to show (groups: [1, 2, 3, 4])")
          break
        }
        columns = .diagnosegrupper(ints(g.value, "groups", in: 1...4) ?? [])
        if let measure, measure != .patienter {
          fail(c.value, "columns", "diagnosis-group columns count patienter; measure \(measure.rawValue) has years")
        }
        if level != .kommune {
          fail(c.value, "columns", "diagnosis-group columns are by the region's kommuner (level: kommune)")
        }
      default: fail(c.value, "columns", "must be aar (years) or diagnosegruppe, not '\(s)'")
      }
    }
    if let g = values["groups"], columns == .years {
      fail(g.key, "groups", "only columns: diagnosegruppe take groups")
    }
    var growth: GrowthKind? = measure == .andelPatienter ? .percentagePoints : .relative
    if case .diagnosegrupper = columns { growth = nil }
    if let measure, !measure.isClaims { growth = nil }
    if let g = values["growth"], let s = string(g.value, "growth") {
      switch s.lowercased() {
      case "procent", "percent": growth = .relative
      case "procentpoint", "points": growth = .percentagePoints
      case "ingen", "none": growth = nil
      default: fail(g.value, "growth", "must be procent, procentpoint or ingen, not '\(s)'")
      }
      if case .diagnosegrupper = columns, growth != nil {
        fail(g.value, "growth", "a table by diagnosis group has no growth column")
      }
    }
    var years = window
    if let y = values["years"], let v = self.years(y.value, "years") {
      years = v
      if !window.contains(v.lowerBound) || !window.contains(v.upperBound) {
        fail(y.value, "years", "\(v.lowerBound)-\(v.upperBound) is outside the plan's years \(window.lowerBound)-\(window.upperBound)")
      }
    }
    var year = years.upperBound
    if let y = values["year"], let v = int(y.value, "year", in: 2000...2100) {
      year = Int64(v)
      if !window.contains(year) {
        fail(y.value, "year", "\(v) is outside the plan's years \(window.lowerBound)-\(window.upperBound)")
      }
    }
    let ages = values["ages"].flatMap { self.ages($0.value, "ages") }
    if let a = values["ages"], let measure, measure != .indbyggerePrKapacitet {
      fail(a.key, "ages", "only indbyggere-pr-kapacitet takes an age band")
    }
    var decimals = measure == .ydelserPrPatient ? 2 : (unit == .millions ? 1 : 0)
    if let d = values["decimals"] {
      if let measure, !measure.isClaims {
        fail(d.key, "decimals", "the \(measure.rawValue) table prints its own decimals")
      } else {
        decimals = int(d.value, "decimals", in: 0...6) ?? decimals
      }
    }
    let total = values["total"].flatMap { self.title($0.value, "total") }
    let omits = values["omit-empty-rows"].flatMap { bool($0.value, "omit-empty-rows") } ?? false
    let source = values["source"].flatMap { string($0.value, "source") } ?? planSource
    if measure == .aldersfordeling && kind != .figure {
      fail(values["number"]?.key ?? node, "number", "an age distribution is a figure (figure: 3)")
    }
    guard problems.count == before, let title, let measure else { return nil }
    return PlanTable(
      kind: kind, number: number, title: title, measure: measure, specialer: specialer, kommune: kommune,
      level: level, filter: filter, part: part, unit: unit, decimals: decimals, growth: growth, columns: columns,
      years: years, year: year, ages: ages, total: total, omitsEmptyRows: omits, source: source, supplied: nil,
      line: line)
  }

  mutating func suppliedTable(
    _ values: [String: (key: Node, value: Node)], kind: PlanTable.Kind, number: Int, line: Int, before: Int,
    source: String
  ) -> PlanTable? {
    for k in values.keys.sorted() where !["number", "figure", "title", "file", "fields", "source"].contains(k) {
      fail(values[k]!.key, k, "does not apply to a supplied table (file:)")
    }
    let title = values["title"].flatMap { self.title($0.value, "title") }
    if values["title"] == nil { fail(values["file"]!.key, "title", "missing: the table's title") }
    var file = string(values["file"]!.value, "file")
    if let name = file {
      let node = values["file"]!.key
      if let why = PlanFolder.lexicalProblem(name) {
        fail(node, "file", why)
        file = nil
      } else if let folder {
        let path = folder.isEmpty ? name : folder.hasSuffix("/") ? folder + name : folder + "/" + name
        if PlanFolder.realPath(path) == nil {
          fail(node, "file", "no such file: \(path)")
          file = nil
        } else if let why = PlanFolder.outsideProblem(path, name: name, folder: folder) {
          fail(node, "file", why)
          file = nil
        } else if let what = PlanFolder.notRegular(path) {
          fail(node, "file", "\(path) is \(what), not a regular file: a supplied table is read from a file")
          file = nil
        } else {
          file = path
        }
      }
    }
    let columns: [Column]?
    if let f = values["fields"] { columns = fields(f.value) } else {
      fail(values["file"]!.key, "fields", "missing: the supplied file's columns and types")
      columns = nil
    }
    guard problems.count == before, let title, let file, let columns else { return nil }
    return PlanTable(
      kind: kind, number: number, title: title, measure: .supplied, specialer: [], kommune: .yder, level: .kommune,
      filter: PlanFilter(), part: nil, unit: .kroner, decimals: 0, growth: nil, columns: .years, years: 2000...2000,
      year: 2000, ages: nil, total: nil, omitsEmptyRows: false,
      source: values["source"].flatMap { string($0.value, "source") } ?? source,
      supplied: SuppliedSpec(file: file, columns: columns, folder: folder), line: line)
  }

  mutating func regionOrder(_ node: Node) -> [Int]? {
    if let s = node.scalar?.string {
      if ["alfabetisk", "alphabetical"].contains(s.lowercased()) { return RegionRows.alphabetical }
      fail(node, "regions", "must list the regions ([Nordjylland, Midtjylland, ...]) or say alfabetisk")
      return nil
    }
    guard case .sequence(let items) = node else { return nil }
    var out: [Int] = []
    for item in items {
      guard let s = item.scalar?.string, let code = Praksisplan.region(named: s) else {
        fail(item, "regions", "'\(item.scalar?.string ?? "?")' is no region")
        continue
      }
      if out.contains(code) { fail(item, "regions", "'\(s)' is listed twice") }
      out.append(code)
    }
    return out
  }
}
