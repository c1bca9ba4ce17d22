// Records that break one rule of the claims contract each, mixed into every
// file so that the ingest's rejects path is exercised. Each looks like an
// ordinary line of a region clinic with a fresh patient, so a reader that
// wrongly accepted one would change a table; the reader must reject it.
//
// Inserted per file (the same in both scales; the kinds cycle from an offset
// given by the year, so every file holds each kind at least once except 2020,
// which holds 20 of the 21 general kinds):
//
//   file   records  notes
//   2019   24       all 21 general kinds; twice: yderKommune999, emptyPatientId,
//                   longPatientId
//   2020   20       20 general kinds (not holdtraeningInvalid)
//   2021   28       all 21 general kinds; twice: longPatientId, threeDecimals,
//                   signMismatch, reversalSign, missingDiagnose,
//                   missingProgressiv, diagnoseOn51
//   2022   22       all 21 general kinds + unquotedAmount
//   2023   26       all 21 general kinds; twice: signMismatch, reversalSign,
//                   missingDiagnose, missingProgressiv, diagnoseOn51
//
// General kinds and the rule each breaks:
//   antalZero            Antal 0                       Antal must be non-zero
//   monthThirteen        Maaned 13                     Maaned 1–12
//   patientKommune999    PatientKommune 999            one of the 98 codes
//   yderKommune999       YderKommune 999               one of the 98 codes
//   emptyPatientId       PatientId empty               1–64 characters
//   longPatientId        PatientId of 65 characters    1–64 characters
//   threeDecimals        Bruttohonorar 145,125         2 decimals at most
//   signMismatch         Antal 1, Bruttohonorar −      same sign as Antal
//   reversalSign         Antal −1, Bruttohonorar +     same sign as Antal
//   missingDiagnose      sp. 62, Diagnosegruppe empty  required for 62
//   missingProgressiv    sp. 62, Progressiv empty      required for 62
//   diagnoseOn51         sp. 51, Diagnosegruppe 2      empty for 51
//   diagnoseFive         sp. 62, Diagnosegruppe 5      1–4
//   missingField         Holdtraening left out         one field too few
//   surplusField         one more field at the end     one field too many
//   shortYdernummer      Ydernummer 12345              6 digits
//   shortYdelseskode     Ydelseskode 111               4 digits
//   ageOutOfRange        PatientAlder 121              0–120
//   fractionalAntal      Antal 1,5                     integer
//   yearOutOfRange       Aar 1999                      2000–the run's year
//   holdtraeningInvalid  Holdtraening X                J/N
// Kind only in the comma-delimited 2022 file:
//   unquotedAmount       Bruttohonorar 145,00 unquoted  splits into one field too many

/// Columns of the claims extract, plus the extra ones some files carry.
enum Column {
  case aar, maaned, ydernummer, speciale, ydelseskode, antal, bruttohonorar, patientId
  case patientKommune, yderKommune, patientAlder, holdtraening, diagnosegruppe, progressiv
  /// Extra columns, not in the contract: the reader must ignore them.
  case kommentar, bemaerkning

  /// The 14 contract columns in standard order.
  static let standard: [Column] = [
    .aar, .maaned, .ydernummer, .speciale, .ydelseskode, .antal, .bruttohonorar, .patientId,
    .patientKommune, .yderKommune, .patientAlder, .holdtraening, .diagnosegruppe, .progressiv,
  ]
}

/// A record written from text fields as given.
struct RawRecord {
  var key: UInt64
  var fields: [Column: String]
  /// Left out entirely: one field too few.
  var omitted: Column?
  /// Appended after the last column: one field too many.
  var surplus: String?
  /// Bruttohonorar written unquoted even in a comma-delimited file.
  var unquotedAmount = false
}

enum InvalidKind: CaseIterable {
  case antalZero, monthThirteen, patientKommune999, yderKommune999, emptyPatientId, longPatientId
  case threeDecimals, signMismatch, reversalSign, missingDiagnose, missingProgressiv, diagnoseOn51
  case diagnoseFive, missingField, surplusField, shortYdernummer, shortYdelseskode, ageOutOfRange
  case fractionalAntal, yearOutOfRange, holdtraeningInvalid
  case unquotedAmount

  static var general: [InvalidKind] { allCases.filter { $0 != .unquotedAmount } }

  /// How many invalid records each year's file holds.
  static let countPerYear = [2019: 24, 2020: 20, 2021: 28, 2022: 22, 2023: 26]

  /// The kinds written into one year's file, in catalogue order.
  static func kinds(year: Int) -> [InvalidKind] {
    let count = countPerYear[year] ?? 0
    let general = general
    var kinds: [InvalidKind] = []
    if year == 2022 { kinds.append(.unquotedAmount) }
    // 2020's offset leaves out the last general kind (holdtraeningInvalid).
    let offset = year == 2020 ? 0 : year % general.count
    while kinds.count < count { kinds.append(general[(offset + kinds.count) % general.count]) }
    return kinds
  }

  /// Does the kind need speciale 62 (51) to break its rule?
  private var speciale: Int? {
    switch self {
    case .missingDiagnose, .missingProgressiv, .diagnoseFive: return 62
    case .diagnoseOn51: return 51
    default: return nil
    }
  }

  static func records(year: Int, places: Places, seedKey: UInt64) -> [RawRecord] {
    var rng = SplitMix64(seedKey, 0xBAD, UInt64(year))
    return kinds(year: year).enumerated().map { i, kind in
      // A fresh patient: serials with bit 61 set are never a sample patient's.
      let serial = UInt64(1) << 61 | UInt64(year) << 16 | UInt64(i)
      let id = Mix.bijective(serial ^ seedKey)
      let speciale = kind.speciale ?? (i % 2 == 0 ? 51 : 62)
      let kommune = places.rowCodes[rng.below(Rows.kommuner)]
      let clinic = places.clinics[places.clinics(in: kommune)[0]]
      var f: [Column: String] = [
        .aar: String(year), .maaned: String(rng.int(in: 1...12)),
        .ydernummer: String(decoding: clinic.ydernummer, as: UTF8.self), .speciale: String(speciale),
        .ydelseskode: "0111", .antal: "1", .bruttohonorar: speciale == 62 ? "290,00" : "145,00",
        .patientId: hex16(id), .patientKommune: String(kommune), .yderKommune: String(kommune),
        .patientAlder: String(rng.int(in: 20...80)), .holdtraening: "N",
        .diagnosegruppe: speciale == 62 ? "2" : "", .progressiv: speciale == 62 ? "N" : "",
        .kommentar: "", .bemaerkning: "",
      ]
      var r = RawRecord(key: rng.next(), fields: [:])
      switch kind {
      case .antalZero: f[.antal] = "0"; f[.bruttohonorar] = "0,00"
      case .monthThirteen: f[.maaned] = "13"
      case .patientKommune999: f[.patientKommune] = "999"
      case .yderKommune999: f[.yderKommune] = "999"
      case .emptyPatientId: f[.patientId] = ""
      case .longPatientId: f[.patientId] = String(repeating: hex16(id), count: 5).prefix(65).description
      case .threeDecimals: f[.bruttohonorar] = "145,125"
      case .signMismatch: f[.bruttohonorar] = "-" + f[.bruttohonorar]!
      case .reversalSign: f[.antal] = "-1"
      case .missingDiagnose: f[.diagnosegruppe] = ""
      case .missingProgressiv: f[.progressiv] = ""
      case .diagnoseOn51: f[.diagnosegruppe] = "2"
      case .diagnoseFive: f[.diagnosegruppe] = "5"
      case .missingField: r.omitted = .holdtraening
      case .surplusField: r.surplus = "X"
      case .shortYdernummer: f[.ydernummer] = "12345"
      case .shortYdelseskode: f[.ydelseskode] = "111"
      case .ageOutOfRange: f[.patientAlder] = "121"
      case .fractionalAntal: f[.antal] = "1,5"
      case .yearOutOfRange: f[.aar] = "1999"
      case .holdtraeningInvalid: f[.holdtraening] = "X"
      case .unquotedAmount: r.unquotedAmount = true
      }
      r.fields = f
      return r
    }
  }
}

/// 16 lowercase hex digits: the patient id format of the samples.
func hex16(_ v: UInt64) -> String {
  let s = String(v, radix: 16)
  return String(repeating: "0", count: 16 - s.count) + s
}
