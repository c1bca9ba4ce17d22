import Foundation
import LunaPipeCore

/// The claims extract (`ydelser`, LUNA BI): one record per settled service
/// line. Its schema carries every rule of the input contract, section 1.
public enum LunaClaims {
  /// Specialer: 51 almen fysioterapi, 62 vederlagsfri fysioterapi,
  /// 57 almen ridefysioterapi, 65 vederlagsfri ridefysioterapi.
  public static let specialer: Set<Int64> = [51, 57, 62, 65]

  /// The largest |Bruttohonorar| of one line, in øre: 1.000.000,00 kr.
  public static let maxBruttohonorarOere: Int64 = 100_000_000

  /// The rule a claims line whose `Aar` is before 2000 or after the run's
  /// year is rejected with (input contract, section 1: a settled service
  /// cannot lie in the future).
  public static let yearOutOfRange = "year-out-of-range"

  /// The first year a claims line may have.
  public static let firstYear: Int64 = 2000

  /// The run's year: the calendar year now, in UTC, read when a pipeline
  /// takes `schema` (once per run: a pipeline is built once and keeps its
  /// schema). UTC, not the machine's zone, so that two machines agree; in
  /// Denmark it lags the local year by an hour or two on New Year's night,
  /// when no line of the new year can have been settled yet.
  public static func currentYear(at now: Date = Date()) -> Int {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar.component(.year, from: now)
  }

  /// The schema of a claims extract for a run in the current year
  /// (`currentYear()`): `schema(runYear:)`.
  public static var schema: Schema { schema(runYear: currentYear()) }

  /// The schema of a claims extract for a run in `runYear`: `Aar` from 2000
  /// to `runYear`, `year-out-of-range` otherwise (one range check on the
  /// parsed integer, where every integer column checks its range). Tests
  /// pin the year here; a year after any plausible run (2031) or before
  /// 2000 (1999) is rejected whatever the year of the run.
  ///
  /// Column names match headers case-insensitively with Æ/Ø/Å = AE/OE/AA,
  /// so `År` and `Aar` are the same column.
  public static func schema(runYear: Int) -> Schema {
    var s = base
    s.columns[0] = Column(
      "Aar", .integer(firstYear...max(firstYear, Int64(runYear))), outOfRange: yearOutOfRange)
    return s
  }

  /// The claims schema but for the run's year, made once.
  private static let base: Schema = {
    let kommuner = Set(Geography.denmark.kommuner.map { Int64($0.code) })
    var s = Schema(columns: [
      // Bounded by the run's year in `schema(runYear:)`.
      Column("Aar", .integer(firstYear...firstYear), outOfRange: yearOutOfRange),
      Column("Maaned", .integer(1...12)),
      Column("Ydernummer", .digits(count: 6)),
      Column("Speciale", .code(specialer)),
      Column("Ydelseskode", .digits(count: 4)),
      Column("Antal", .integer(-1_000_000...1_000_000), nonZero: true),
      // At most 1.000.000,00 kr per service line: a plausibility bound
      // (the dearest ydelse is a few thousand kroner).
      Column("Bruttohonorar", .decimal(scale: 2), maxMagnitude: maxBruttohonorarOere),
      Column("PatientId", .text(maxLength: 64)),
      Column("PatientKommune", .code(kommuner)),
      Column("YderKommune", .code(kommuner)),
      Column("PatientAlder", .integer(0...120)),
      Column("Holdtraening", .flag(yes: "J", no: "N")),
      Column("Diagnosegruppe", .integer(1...4), required: false),
      Column("Progressiv", .flag(yes: "J", no: "N"), required: false),
    ])
    // A LUNA line is about 100 bytes; 64 KiB leaves room for extra
    // columns and still stops a stray quote or a binary blob at its line.
    // Amounts are Danish: `1.234,50` (input contract, section 1).
    s.numberFormat = .danish
    // The extracts' fields may be padded with spaces, no part of a value.
    s.trimsSpaces = true
    s.maxRecordBytes = 64 << 10
    s.volumeKeys = ["Aar", "Speciale"]
    s.monthKey = "Maaned"
    s.rules = [
      // A reversal (negative Antal) carries a negative amount, a service a
      // non-negative one.
      .sameSign("Bruttohonorar", as: "Antal"),
      .required("Diagnosegruppe", when: "Speciale", in: [62, 65]),
      .empty("Diagnosegruppe", unless: "Speciale", in: [62, 65]),
      .required("Progressiv", when: "Speciale", in: [62]),
      .empty("Progressiv", unless: "Speciale", in: [62]),
    ]
    return s
  }()

  /// The measures of the praksisplan, at the grain every table rolls up
  /// from: per year, speciale, clinic kommune, patient kommune, group
  /// training (Holdtraening 1/0), diagnosis group and progressive disease
  /// (1/0; both empty outside speciale 62/65), Σ Antal (ydelser), Σ
  /// Bruttohonorar in øre (udgift), and distinct PatientId over lines with
  /// positive Antal (patienter). Key positions: `KeyIndex`.
  public static let aggregation = Aggregation(
    keys: ["Aar", "Speciale", "YderKommune", "PatientKommune", "Holdtraening", "Diagnosegruppe", "Progressiv"],
    sums: ["Antal", "Bruttohonorar"],
    distinct: "PatientId", when: .positive("Antal"))

  /// The measures of `aggregation` at the grain of the claims summary
  /// (the peer benchmark's job): per year, speciale, clinic kommune and
  /// patient kommune, the first four keys of `aggregation` in the same
  /// places (`KeyIndex.aar` … `KeyIndex.patientKommune`). Its outputs roll
  /// up to kommune and region only, so the three keys below kommune
  /// (group training, diagnosis group, progressive disease) would only
  /// multiply the groups and each patient's memberships (4.6 million
  /// instead of 2.8 million on the national extract) for nothing.
  public static let summaryAggregation = Aggregation(
    keys: ["Aar", "Speciale", "YderKommune", "PatientKommune"],
    sums: ["Antal", "Bruttohonorar"],
    distinct: "PatientId", when: .positive("Antal"))

  /// `aggregation` with the patient's age (PatientAlder) as one more key,
  /// last (`KeyIndex.alder`): for tables of an age band. Its groups are
  /// about a hundred times as many, so a pipeline asks for it only when it
  /// has such a table.
  public static let aggregationByAge = Aggregation(
    keys: [
      "Aar", "Speciale", "YderKommune", "PatientKommune", "Holdtraening", "Diagnosegruppe", "Progressiv",
      "PatientAlder",
    ],
    sums: ["Antal", "Bruttohonorar"],
    distinct: "PatientId", when: .positive("Antal"))
}

extension LunaClaims {
  /// Positions of the keys of `aggregation` in a finest-grain key.
  public enum KeyIndex {
    public static let aar = 0, speciale = 1, yderKommune = 2, patientKommune = 3
    public static let holdtraening = 4, diagnosegruppe = 5, progressiv = 6
    /// Only in `aggregationByAge`.
    public static let alder = 7
  }
}

/// Measures over `LunaClaims.aggregation`.
extension Measure {
  /// Σ Antal.
  public static let ydelser = Measure.sum(0)
  /// Σ Bruttohonorar in kroner.
  public static let udgift = Measure.sum(1, divisor: 100)
  /// Σ Bruttohonorar in millions of kroner.
  public static let udgiftMio = Measure.sum(1, divisor: 100_000_000)
  /// Distinct patients with a positive line.
  public static let patienter = Measure.distinct
  public static let udgiftPrPatient = Measure.ratio(.udgift, .patienter)
  public static let ydelserPrPatient = Measure.ratio(.ydelser, .patienter)
}
