import Foundation
import LunaPipeCore

/// One practice of the provider register (`ydere`, LUNA adm).
public struct Praksis: Sendable, Equatable {
  public var id: String
  public var klinik: String
  public var adresse: String
  public var postnr: String
  public var by: String
  /// Kommune code of the practice's main address.
  public var kommune: Int
  /// 51/62 for a fysioterapi practice, 57/65 for ridefysioterapi.
  public var speciale: Int
  /// Capacities in hundredths (2,76 is 276).
  public var kapacitet51: Int64
  public var kapacitet62: Int64
  /// Ridefysioterapi capacity in hundredths: 100 (over 30 hours) or 50.
  public var kapacitet: Int64
  /// Expected wait in weeks; nil = not reported ("Ej angivet").
  public var ventetid51: Int?
  public var ventetid62: Int?
  /// Owners, tenants and employees.
  public var antalFysioterapeuter: Int
  /// A satellite address ("street, postnr by"), not a practice of its own.
  public var ekstraAdresse: String?
  /// The kommune of the satellite address, when the register says
  /// (optional column `EkstraKommune`).
  public var ekstraKommune: Int?

  /// Fysioterapi (speciale 51/62) rather than ridefysioterapi (57/65).
  public var isFysioterapi: Bool { speciale == 51 || speciale == 62 }
}

/// The provider register: every practice, fysioterapi and ridefysioterapi.
public struct ProviderRegister: Sendable {
  public var praksis: [Praksis]
  public init(praksis: [Praksis]) { self.praksis = praksis }

  public var fysioterapi: [Praksis] { praksis.filter(\.isFysioterapi) }
  public var ridefysioterapi: [Praksis] { praksis.filter { !$0.isFysioterapi } }
}

/// Reads the provider register extract (input contract, section 2).
///
/// Headers match as claims headers do. Required columns: `PraksisId`,
/// `Klinik`, `Kommune`, `Speciale`, `AntalFysioterapeuter`; the others
/// (`Adresse`, `Postnr`, `By`, `Kapacitet51`, `Kapacitet62`, `Kapacitet`,
/// `Ventetid51`, `Ventetid62`, `EkstraAdresse`, `EkstraKommune`) are read
/// when present. A record that breaks a rule goes to `rejects.csv`:
///
/// | rule | when |
/// |---|---|
/// | `empty` | PraksisId, Klinik, Kommune, Speciale or AntalFysioterapeuter empty |
/// | `duplicate-praksisid` | a PraksisId seen before in the file |
/// | `unknown-kommune` | Kommune (or EkstraKommune) neither one of the 98 codes nor a kommune name |
/// | `unknown-code` | Speciale not 51, 62, 57 or 65 |
/// | `wrong-digits` | Postnr not 4 digits |
/// | `not-a-number`, `too-many-decimals`, `out-of-range` | a capacity, wait or count that is not a number ≥ 0 (AntalFysioterapeuter ≥ 1) |
/// | `required-for-speciale` | Kapacitet51/62 empty on a 51/62 record, Kapacitet empty on a 57/65 record |
/// | `riding-capacity` | a ridefysioterapi Kapacitet other than 1 or 0,5 |
///
/// Nothing is lost without a word: a capacity column that a record's
/// speciale needs (`Kapacitet51`, `Kapacitet62` for 51/62, `Kapacitet` for
/// 57/65) missing from the header is an input error naming it and the
/// practice; every rejected practice is named in the run report's notes
/// with its column, value and rule (a suppressed `..` capacity is a
/// `not-a-number` reject, never 0), as are a missing `Ventetid51`,
/// `Ventetid62` or `EkstraAdresse` column (every practice then counts as not
/// reporting / without a satellite) and a capacity in a column the
/// practice's speciale does not use (the tables do not count it).
public enum ProviderRegisterReader {
  public static let specialer: Set<Int> = [51, 62, 57, 65]

  public static func read(
    _ path: String, in context: RunContext, geography: Geography = .denmark
  ) throws -> ProviderRegister {
    // Spaces around unquoted fields trimmed, as these extracts were always
    // read (libcsv's default): stated, since `TextRecords` trims nothing
    // unless told; title lines before the header are this reader's own
    // business (0 skipped by `TextRecords`).
    let file = try context.readTextRecords(
      path, dialect: CSVDialect(skipLines: 0, trimSpaces: true), numberFormat: .danish)
    func col(_ name: String, aliases: [String] = []) -> Int? { file.column(name, aliases: aliases) }
    let required = ["PraksisId", "Klinik", "Kommune", "Speciale", "AntalFysioterapeuter"]
    let missing = required.filter { col($0) == nil }
    if !missing.isEmpty {
      throw PipelineError.input(
        "\(path): not a provider register (ydere): no column \(missing.joined(separator: ", ")); header: \(file.header.joined(separator: ";"))"
      )
    }
    let c = (
      id: col("PraksisId"), klinik: col("Klinik"), adresse: col("Adresse"), postnr: col("Postnr"), by: col("By"),
      kommune: col("Kommune"), speciale: col("Speciale"), k51: col("Kapacitet51"), k62: col("Kapacitet62"),
      k: col("Kapacitet"), v51: col("Ventetid51"), v62: col("Ventetid62"),
      antal: col("AntalFysioterapeuter"), ekstra: col("EkstraAdresse"), ekstraKommune: col("EkstraKommune")
    )
    // A capacity column a speciale needs: without it each of its practices
    // would be a reject, and in a run whose claims are millions of records
    // the reject share would not notice them missing.
    for (name, index, uses) in [
      ("Kapacitet51", c.k51, [51, 62]), ("Kapacitet62", c.k62, [51, 62]), ("Kapacitet", c.k, [57, 65]),
    ] where index == nil {
      for r in file.records {
        guard case .success(let s) = TextField.integer(r[c.speciale], in: 0...99, format: .danish), uses.contains(Int(s)) else { continue }
        throw PipelineError.input(
          "\(path): no column \(name), which practice \(r[c.id].trimmingCharacters(in: .whitespaces)) (speciale \(s), record \(r.number)) needs; header: \(file.header.joined(separator: ";"))"
        )
      }
    }
    func practice(_ r: TextRecords.Record) -> String {
      let id = r[c.id].trimmingCharacters(in: .whitespaces)
      let klinik = r[c.klinik].trimmingCharacters(in: .whitespaces)
      return (id.isEmpty ? "record \(r.number)" : id) + (klinik.isEmpty ? "" : " " + klinik)
    }
    var rejected: [String] = []
    var uncounted: [String] = []

    var out: [Praksis] = []
    var seen: Set<String> = []
    var rejects: [String: Int] = [:]
    for r in file.records {
      var broken: (column: String, rule: String)?
      func fail(_ column: String, _ rule: String) { if broken == nil { broken = (column, rule) } }
      func kommune(_ text: String, _ column: String) -> Int? {
        if let code = Int(text.trimmingCharacters(in: .whitespaces)), geography.kommune(code: code) != nil { return code }
        if let k = geography.kommune(named: text) { return k.code }
        fail(column, "unknown-kommune")
        return nil
      }
      func decimal(_ i: Int?, _ column: String, requiredFor: Bool) -> Int64 {
        let s = r[i]
        if s.trimmingCharacters(in: .whitespaces).isEmpty {
          if requiredFor { fail(column, "required-for-speciale") }
          return 0
        }
        switch TextField.decimal(s, scale: 2, minimum: 0, format: .danish) {
        case .success(let v): return v
        case .failure(let rule):
          fail(column, rule.name)
          return 0
        }
      }
      func weeks(_ i: Int?, _ column: String) -> Int? {
        let s = r[i]
        if s.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
        switch TextField.integer(s, in: 0...520, format: .danish) {
        case .success(let v): return Int(v)
        case .failure(let rule):
          fail(column, rule.name)
          return nil
        }
      }

      if r.fieldCount > file.header.count { fail("", FieldRule.fieldCount.name) }
      let id = r[c.id].trimmingCharacters(in: .whitespaces)
      if id.isEmpty { fail("PraksisId", "empty") } else if seen.contains(id) { fail("PraksisId", "duplicate-praksisid") }
      let klinik = r[c.klinik].trimmingCharacters(in: .whitespaces)
      if klinik.isEmpty { fail("Klinik", "empty") }
      var kommuneCode = 0
      if r[c.kommune].trimmingCharacters(in: .whitespaces).isEmpty {
        fail("Kommune", "empty")
      } else if let k = kommune(r[c.kommune], "Kommune") {
        kommuneCode = k
      }
      var speciale = 0
      switch TextField.integer(r[c.speciale], in: 0...99, format: .danish) {
      case .success(let v) where specialer.contains(Int(v)): speciale = Int(v)
      case .success: fail("Speciale", FieldRule.unknownCode.name)
      case .failure(let rule): fail("Speciale", rule.name)
      }
      let postnr = r[c.postnr].trimmingCharacters(in: .whitespaces)
      if c.postnr != nil && !(postnr.utf8.count == 4 && postnr.utf8.allSatisfy { $0 &- 48 < 10 }) {
        fail("Postnr", FieldRule.notDigits.name)
      }
      let fysio = speciale == 51 || speciale == 62
      let k51 = decimal(c.k51, "Kapacitet51", requiredFor: fysio)
      let k62 = decimal(c.k62, "Kapacitet62", requiredFor: fysio)
      let k = decimal(c.k, "Kapacitet", requiredFor: speciale != 0 && !fysio)
      if speciale != 0 && !fysio && broken == nil && k != 50 && k != 100 { fail("Kapacitet", "riding-capacity") }
      let v51 = weeks(c.v51, "Ventetid51")
      let v62 = weeks(c.v62, "Ventetid62")
      var antal = 0
      switch TextField.integer(r[c.antal], in: 1...10_000, format: .danish) {
      case .success(let v): antal = Int(v)
      case .failure(let rule): fail("AntalFysioterapeuter", rule.name)
      }
      let ekstra = r[c.ekstra].trimmingCharacters(in: .whitespaces)
      var ekstraKommune: Int?
      let ek = r[c.ekstraKommune].trimmingCharacters(in: .whitespaces)
      if !ek.isEmpty { ekstraKommune = kommune(ek, "EkstraKommune") }

      if let b = broken {
        try context.reject(r, of: file, column: b.column, rule: b.rule)
        rejects[b.rule, default: 0] += 1
        let value = b.column.isEmpty ? "" : r[file.column(b.column)].trimmingCharacters(in: .whitespaces)
        let shown = b.column.isEmpty ? "" : value.isEmpty ? "\(b.column) empty: " : "\(b.column) `\(value)`: "
        rejected.append("\(practice(r)) (\(shown)\(b.rule))")
        continue
      }
      // A capacity where the speciale has none is read but not counted.
      for (name, v, counted) in [("Kapacitet51", k51, fysio), ("Kapacitet62", k62, fysio), ("Kapacitet", k, !fysio)]
      where v != 0 && !counted {
        uncounted.append("\(practice(r)) (speciale \(speciale)) \(name) \(r[file.column(name)].trimmingCharacters(in: .whitespaces))")
      }
      seen.insert(id)
      out.append(
        Praksis(
          id: id, klinik: klinik, adresse: r[c.adresse], postnr: postnr, by: r[c.by], kommune: kommuneCode,
          speciale: speciale, kapacitet51: k51, kapacitet62: k62, kapacitet: k, ventetid51: v51, ventetid62: v62,
          antalFysioterapeuter: antal, ekstraAdresse: ekstra.isEmpty ? nil : ekstra, ekstraKommune: ekstraKommune))
    }
    try context.finishTextRecords(file, accepted: out.count, rejectsByRule: rejects)
    func list(_ items: [String]) -> String {
      items.prefix(10).joined(separator: "; ") + (items.count > 10 ? "; and \(items.count - 10) more" : "")
    }
    if !rejected.isEmpty {
      context.note(
        "\(path): \(rejected.count) practice\(rejected.count == 1 ? "" : "s") rejected and left out of every register table: \(list(rejected)) (see rejects.csv)"
      )
    }
    if !uncounted.isEmpty {
      context.note(
        "\(path): capacities in a column the practice's speciale does not use, which no table counts (tables 3 and 5-8 count Kapacitet51/62 of speciale 51/62, Tabel 15 Kapacitet of 57/65): \(list(uncounted))"
      )
    }
    if !out.filter(\.isFysioterapi).isEmpty {
      for (name, index, what) in [
        ("Ventetid51", c.v51, "counts as not reporting its speciale 51 wait (Ej angivet) in tables 12 and 13"),
        ("Ventetid62", c.v62, "counts as not reporting its speciale 62 wait (Ej angivet) in tables 12 and 13"),
        ("EkstraAdresse", c.ekstra, "counts without a satellite address in Tabel 9"),
      ] where index == nil {
        context.note("\(path): no column \(name): every practice \(what)")
      }
    }
    return ProviderRegister(praksis: out)
  }
}
