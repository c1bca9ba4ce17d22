import Foundation
import LunaDomain
import LunaPipeCore

/// A practice plan declared as data: its title, region and years, and per
/// table what it holds. The built-in praksisplan is one
/// (`Plan.builtIn`, from `Pipelines/Praksisplan/praksisplan.yaml`); an
/// analyst's own is read with `Plan.read(file:)` and checked there, before
/// any input is read.
///
///     let plan = try Plan.read(file: "my-plan.yaml")
///     let tables = try Praksisplan.pipeline(plan: plan, claims: ["x/*.csv"])
///       .run(in: RunContext(output: out))
public struct Plan: Sendable {
  /// Where the plan was read from (`built-in` for the built-in one).
  public var file: String
  /// The report's and workbook's title; `{region}` is the region's name.
  public var title: String
  /// The region whose kommuner the kommune tables show (1081–1086).
  public var region: Int
  /// The plan's years: every year table's columns unless it names its own.
  public var years: ClosedRange<Int64>
  /// The source line printed under a table that names none.
  public var source: String
  /// The tables in the order the report and workbook show them.
  public var tables: [PlanTable]
  /// The line of the `years` key (errors about the window name it).
  public var yearsLine: Int
  /// Whether `years` are a user's (a plan read from a file): a year
  /// without claims (exit 65, see `PlanTables.acceptGaps`) is then said to
  /// perhaps run past the data; false for the built-in plan.
  public var requiresEveryYear = true

  /// The title with `{region}` filled in.
  public var reportTitle: String { PlanText.fill(title, region: region) }
}

/// One table of a plan.
public struct PlanTable: Sendable {
  /// A numbered table (`tabel-07`) or figure (`figur-3`).
  public enum Kind: String, Sendable { case table = "tabel", figure = "figur" }

  /// A table or a figure.
  public var kind: Kind
  /// Its number in the plan (`number:` or `figure:`).
  public var number: Int
  /// The title after "Tabel N: ", with its placeholders.
  public var title: String
  /// What its cells hold, and so which inputs it needs.
  public var measure: PlanMeasure
  /// The specialer the table counts (one or more of 51, 57, 62, 65).
  public var specialer: [Int64]
  /// Whose kommune a row is: the clinic's (`yder`) or the patient's.
  public var kommune: KommuneKey
  /// Its rows: the region's kommuner, the regions, or the country.
  public var level: PlanLevel
  /// Conditions every counted line meets.
  public var filter: PlanFilter
  /// For a share (`andel-patienter`): the part's extra conditions.
  public var part: PlanFilter?
  /// Udgift in kroner or in millions of kroner.
  public var unit: PlanUnit
  /// Printed decimal places of the cells.
  public var decimals: Int
  /// The growth column, or nil for none.
  public var growth: GrowthKind?
  /// The columns: years (of `years`) or diagnosis groups (of `year`).
  public var columns: PlanColumns
  /// The years of a year table: the plan's unless it names its own.
  public var years: ClosedRange<Int64>
  /// The one year of a table of one year (diagnosis groups, per 1,000
  /// inhabitants, the age figures): the last of `years` unless given.
  public var year: Int64
  /// An age band of the population (`50-` is 50 and over).
  public var ages: ClosedRange<Int>?
  /// The label of the total row; nil: the measure's own.
  public var total: String?
  /// Leaves out the rows without any value (the plan's riding tables).
  public var omitsEmptyRows: Bool
  /// The source line printed under the table.
  public var source: String
  /// A supplied table: the region's file and its columns.
  public var supplied: SuppliedSpec?
  /// The line of the table's entry in the plan file.
  public var line: Int

  /// Its id and file stem: `tabel-07`, `tabel-19`, `figur-3`.
  public var id: String {
    kind == .figure ? "figur-\(number)" : (number < 10 ? "tabel-0\(number)" : "tabel-\(number)")
  }

  /// "Tabel 19" or "Figur 3".
  public var label: String { (kind == .figure ? "Figur " : "Tabel ") + String(number) }
}

/// A supplied table's file (relative to the plan file's folder) and its
/// columns.
public struct SuppliedSpec: Sendable {
  /// The file; relative to the plan file's folder until `Plan.read` resolves it
  /// (the folder joined with it, checked to lie inside the folder).
  public var file: String
  /// Its columns, in the printed order (`fields:`).
  public var columns: [Column]
  /// The plan file's folder the file must lie in ("" for the current
  /// folder), checked again when the file is read; nil: not resolved.
  public var folder: String?
}

/// What a plan table holds. Claims measures are read from `--claims`; the
/// others from the provider register (`--ydere`), the population
/// (`--befolkning`) or both.
public enum PlanMeasure: String, Sendable, CaseIterable {
  // From the claims
  case udgift, ydelser, patienter
  case udgiftPrPatient = "udgift-pr-patient"
  case ydelserPrPatient = "ydelser-pr-patient"
  /// The share of patients who meet `part`, in percent.
  case andelPatienter = "andel-patienter"
  // From the provider register
  case praksis, kapacitet, praksisstoerrelse, ventetidsintervaller, ridepraksis, ridekapacitet
  case praksisOgVentetid = "praksis-og-ventetid"
  /// Expected waits per speciale by the region's kommune (Tabel 11) and by
  /// region (Tabel 10).
  case ventetid
  case ventetidRegioner = "ventetid-regioner"
  // From the register and the population
  case indbyggerePrKapacitet = "indbyggere-pr-kapacitet"
  /// Inhabitants per capacity unit of 51 and 62 by region (Tabel 4); needs
  /// every kommune's population.
  case indbyggerePrKapacitetRegioner = "indbyggere-pr-kapacitet-regioner"
  // From the claims and the population
  case patienterPr1000 = "patienter-pr-1000-indbyggere"
  case aldersfordeling
  /// From a file the region supplies (`file:` and `columns:`).
  case supplied

  /// The inputs a table of this measure needs.
  public var inputs: Set<PlanInput> {
    switch self {
    case .udgift, .ydelser, .patienter, .udgiftPrPatient, .ydelserPrPatient, .andelPatienter: return [.claims]
    case .praksis, .kapacitet, .praksisstoerrelse, .ventetidsintervaller, .ridepraksis, .ridekapacitet,
      .praksisOgVentetid, .ventetid, .ventetidRegioner:
      return [.register]
    case .indbyggerePrKapacitet, .indbyggerePrKapacitetRegioner: return [.register, .population]
    case .patienterPr1000, .aldersfordeling: return [.claims, .population]
    case .supplied: return [.supplied]
    }
  }

  /// A measure over the claims aggregate, made into kommune or region rows.
  public var isClaims: Bool { inputs == [.claims] }

  /// What a table of this measure contains, for `plan show`.
  public var meaning: String {
    switch self {
    case .udgift: return "udgift (Σ Bruttohonorar)"
    case .ydelser: return "ydelser (Σ Antal)"
    case .patienter: return "patienter (distinct PatientId with a positive line)"
    case .udgiftPrPatient: return "udgift per patient"
    case .ydelserPrPatient: return "ydelser per patient"
    case .andelPatienter: return "share of patients, in percent"
    case .praksis: return "practices per kommune (register)"
    case .kapacitet: return "capacity per speciale per kommune (register)"
    case .praksisstoerrelse: return "practices by number of physiotherapists (register)"
    case .praksisOgVentetid: return "practices and shortest/longest expected wait per kommune (register)"
    case .ventetidsintervaller: return "practices per waiting-time interval (register)"
    case .ridepraksis: return "riding-physiotherapy practices per kommune (register)"
    case .ridekapacitet: return "riding-physiotherapy capacity per kommune (register)"
    case .indbyggerePrKapacitet: return "inhabitants per capacity unit (register and population)"
    case .indbyggerePrKapacitetRegioner:
      return "inhabitants per capacity unit of 51 and 62 by region, high to low (register and every kommune's population)"
    case .ventetid: return "expected wait per speciale by kommune: capacity-weighted mean, shortest, longest, Ej angivet (register)"
    case .ventetidRegioner: return "expected wait per speciale by region: capacity-weighted mean, shortest, longest, Ej angivet (register)"
    case .patienterPr1000: return "patients per 1,000 inhabitants (claims and population)"
    case .aldersfordeling: return "age distribution of patients and population (claims and population)"
    case .supplied: return "cells from the supplied file"
    }
  }
}

/// An input a plan table is made from.
public enum PlanInput: String, Sendable, Comparable {
  /// `--claims`, `--ydere`, `--befolkning`, a file the plan names.
  case claims, register, population, supplied
  /// By name, for messages in a stable order.
  public static func < (a: PlanInput, b: PlanInput) -> Bool { a.rawValue < b.rawValue }
}

/// The rows of a claims table.
public enum PlanLevel: Sendable, Equatable {
  /// The plan region's kommuner and its total row.
  case kommune
  /// The regions in this order, and the country's total row.
  case region(order: [Int])
  /// One row: the whole country.
  case country
}

/// Conditions on a claims line, on the aggregate's flags and groups.
public struct PlanFilter: Sendable, Equatable {
  /// Holdtraening J (true) or N (false).
  public var holdtraening: Bool?
  /// Progressiv J or N.
  public var progressiv: Bool?
  /// Diagnosegruppe one of these.
  public var diagnosegrupper: [Int64]?
  /// PatientAlder in this band (the line's age). A table with an age band
  /// is made from `LunaClaims.aggregationByAge`, the claims aggregate with
  /// the age as one more key, which the scan makes only when a plan asks.
  public var ages: ClosedRange<Int64>?

  public init(
    holdtraening: Bool? = nil, progressiv: Bool? = nil, diagnosegrupper: [Int64]? = nil,
    ages: ClosedRange<Int64>? = nil
  ) {
    self.holdtraening = holdtraening
    self.progressiv = progressiv
    self.diagnosegrupper = diagnosegrupper
    self.ages = ages
  }

  /// No condition at all.
  public var isEmpty: Bool { holdtraening == nil && progressiv == nil && diagnosegrupper == nil && ages == nil }

  /// Whether a finest-grain key of `LunaClaims.aggregation` meets it.
  @inline(__always) func admits(_ key: [Int64]) -> Bool {
    let k = LunaClaims.KeyIndex.self
    if let h = holdtraening, key[k.holdtraening] != (h ? 1 : 0) { return false }
    if let p = progressiv, key[k.progressiv] != (p ? 1 : 0) { return false }
    if let g = diagnosegrupper, !g.contains(key[k.diagnosegruppe]) { return false }
    if let a = ages, !a.contains(key[LunaClaims.KeyIndex.alder]) { return false }
    return true
  }

  /// A stable text for rollup names and `plan show` (`holdtraening=J`).
  public var description: String {
    var parts: [String] = []
    if let h = holdtraening { parts.append("holdtraening=\(h ? "J" : "N")") }
    if let p = progressiv { parts.append("progressiv=\(p ? "J" : "N")") }
    if let g = diagnosegrupper { parts.append("diagnosegruppe=" + g.map(String.init).joined(separator: "|")) }
    if let a = ages { parts.append("alder=\(a.lowerBound)-\(a.upperBound)") }
    return parts.joined(separator: ",")
  }
}

/// The unit of an udgift table.
public enum PlanUnit: String, Sendable {
  /// Whole kroner.
  case kroner = "kr."
  /// Millions of kroner.
  case millions = "mio. kr."
}

/// The columns of a claims table.
public enum PlanColumns: Sendable, Equatable {
  /// One column per year of the table's window.
  case years
  /// Diagnosis groups of one year, and each row's total over them.
  case diagnosegrupper([Int64])
}

/// The placeholders a plan's titles may hold.
public enum PlanText {
  /// `{region}`, `{borgere}`, `{folketal}`, `{år}` (also `{aar}`).
  public static let placeholders = ["{region}", "{borgere}", "{folketal}", "{år}", "{aar}"]

  /// `text` with the region's name, its residents, the population quarter
  /// and the year filled in.
  public static func fill(_ text: String, region: Int, quarter: Quarter? = nil, year: Int64? = nil) -> String {
    var s = text.replacingOccurrences(of: "{region}", with: Praksisplan.regionName(region))
    s = s.replacingOccurrences(of: "{borgere}", with: Praksisplan.residents(of: region))
    if let quarter { s = s.replacingOccurrences(of: "{folketal}", with: quarter.description) }
    if let year {
      s = s.replacingOccurrences(of: "{år}", with: String(year)).replacingOccurrences(of: "{aar}", with: String(year))
    }
    return s
  }
}
