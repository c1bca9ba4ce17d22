// The ten published tables the samples reproduce (Tabel 19–26 and 29–36 of
// the praksisplan, Region Nordjylland 2025, Bilag 1) and the clinics of
// Bilag 2, as read from the published files (PublishedFiles.swift): kommune
// rows in printed order, then the Total row.

/// The five tables of one speciale.
struct SpecialeTargets {
  let speciale: Int
  /// Tabel 19 / 29: udgift in kr by yder kommune.
  let udgift: PrintedTable
  /// Tabel 21 / 31: udgift per patient (kr) by yder kommune.
  let udgiftPerPatient: PrintedTable
  /// Tabel 23 / 33: ydelser by yder kommune.
  let ydelser: PrintedTable
  /// Tabel 25 / 35: ydelser per patient (hundredths) by yder kommune.
  let ydelserPerPatient: PrintedTable
  /// Tabel 26 / 36: patients by the patient's kommune.
  let patienter: PrintedTable

  var tables: [PrintedTable] { [udgift, udgiftPerPatient, ydelser, ydelserPerPatient, patienter] }

  /// Speciale 51 (Tabel 19, 21, 23, 25, 26) or 62 (Tabel 29, 31, 33, 35, 36).
  init(speciale: Int, _ published: PublishedTables) {
    precondition(speciale == 51 || speciale == 62, "no published tables for speciale \(speciale)")
    let n = speciale == 51 ? [19, 21, 23, 25, 26] : [29, 31, 33, 35, 36]
    self.speciale = speciale
    udgift = published.table(n[0])
    udgiftPerPatient = published.table(n[1])
    ydelser = published.table(n[2])
    ydelserPerPatient = published.table(n[3])
    patienter = published.table(n[4])
  }
}

/// A clinic of Bilag 2 (`clinics.csv`).
struct PublishedClinic {
  let kommuneName: String
  let name: String
  let address: String
  let postnr: String
  let city: String
  /// A second address, or empty.
  let extraAddress: String
  /// Capacity per speciale as printed (`2.76`, `2.8`, `2`).
  let capacity51Text: String
  let capacity62Text: String
  /// Capacity per speciale in hundredths of a capacity unit (integers keep
  /// the weights exact).
  let capacity51: Int
  let capacity62: Int
  /// Expected wait per speciale in weeks as printed; empty where the plan
  /// prints none.
  let wait51: String
  let wait62: String

  /// The clinics of `file`, in its order, found by header name.
  static func read(_ file: PublishedFile) throws -> [PublishedClinic] {
    let c = try [
      "kommune", "klinik", "adresse", "postnr", "by", "ekstra_adresse", "kapacitet_51", "kapacitet_62",
      "ventetid_51", "ventetid_62",
    ].map(file.column)
    return try file.records.map { r in
      let f = c.map { r.fields[$0] }
      for wait in [f[8], f[9]] where !wait.isEmpty { _ = try file.integer(wait, line: r.line) }
      return PublishedClinic(
        kommuneName: f[0], name: f[1], address: f[2], postnr: f[3], city: f[4], extraAddress: f[5],
        capacity51Text: f[6], capacity62Text: f[7],
        capacity51: try file.scaled(f[6], decimals: 2, atMost: true, line: r.line),
        capacity62: try file.scaled(f[7], decimals: 2, atMost: true, line: r.line),
        wait51: f[8], wait62: f[9])
    }
  }
}
