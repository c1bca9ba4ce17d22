import Foundation
import LunaDomain

/// Writes the sample provider register `ydere.csv` (input contract,
/// section 2): the praksisplan's 50 fysioterapi practices of Region
/// Nordjylland as Bilag 2 lists them (28 October 2024: capacities, expected
/// waits, satellite addresses; read from the published `clinics.csv`), and
/// seven ridefysioterapi practices consistent with tables 14 and 15.
///
/// What the plan does not print is made up, consistently with it:
/// - `PraksisId` (`F01`…`F50`, `R1`…`R7`);
/// - `AntalFysioterapeuter`: the practices ordered by total capacity get
///   1 (the 5 smallest), 2 (the next 2), 3 or 4 (the next 11) and 5 or more
///   (the other 32, all four with a satellite address among them), so that
///   Tabel 9's 2024 column (5, 2, 11, 36 with the 4 satellites) comes out;
/// - the ridefysioterapi practices' names and addresses: Brønderslev,
///   Hjørring, Jammerbugt, Vesthimmerlands and Aalborg one practice each
///   with capacity 1, Thisted two with 0,5 each (one capacity split in two
///   under 30 hours), one of which also practises in Morsø
///   (`EkstraKommune` 773: Tabel 14's "(1)"). Jammerbugt's capacity is also
///   split over two provider numbers in the plan; one register record per
///   practice carries it as 1.
///
/// At full scale the register goes on with the made-up practices of the
/// four other regions (`OtherRegionPractices`: every kommune, one practice
/// per about 12,000 inhabitants, `PraksisId` `K461-01` …) and a
/// ridefysioterapi practice (`RK461`, capacity 1) in each of their kommuner
/// of 60,000 inhabitants or more, after the records above, which stay as the
/// small scale writes them.
///
/// The file is `;`-separated UTF-8 with Danish decimal commas.
public enum RegisterSample {
  public static let fileName = "ydere.csv"

  /// `AntalFysioterapeuter` of the clinics of Bilag 2, in the order of
  /// `clinics.csv` (made up, see above).
  static let physiotherapists = [
    7, 6, 1, 7, 7, 7, 7, 4, 2, 6, 4, 8, 1, 4, 5, 1, 4, 8, 9, 5, 1, 9, 12, 3, 3,
    12, 5, 3, 3, 7, 16, 5, 2, 7, 9, 7, 14, 4, 6, 3, 8, 13, 8, 8, 8, 4, 5, 6, 1, 12,
  ]

  /// `kommune|klinik|adresse|postnr|by|kapacitet|fysioterapeuter|ekstra_adresse|ekstra_kommune`
  static let riding = """
Brønderslev|Ridefysioterapi Vendsyssel|Hedelundvej 12|9700|Brønderslev|1|1||
Hjørring|Hjørring Rideterapi|Lundergårdsvej 40|9800|Hjørring|1|1||
Jammerbugt|Jammerbugt Ridefysioterapi|Skovsgårdvej 7|9460|Brovst|1|2||
Thisted|Thy Ridefysioterapi|Silstrupvej 21|7700|Thisted|0.5|1|Rideskolevej 3, 7900 Nykøbing M|773
Thisted|Hurup Ridecenter Fysioterapi|Vestervigvej 9|7760|Hurup Thy|0.5|1||
Vesthimmerlands|Himmerland Ridefysioterapi|Hvalpsundvej 30|9600|Aars|1|1||
Aalborg|Aalborg Ridefysioterapi|Vestre Skovvej 2|9000|Aalborg|1|1||
"""

  static let header =
    "PraksisId;Klinik;Adresse;Postnr;By;Kommune;Speciale;Kapacitet51;Kapacitet62;Kapacitet;Ventetid51;Ventetid62;AntalFysioterapeuter;EkstraAdresse;EkstraKommune"

  /// Kommuner outside Region Nordjylland of at least this many inhabitants
  /// have a ridefysioterapi practice at full scale.
  static let ridingInhabitants = 60_000

  /// The register's text: the clinics of `published`, then the riding
  /// practices; at full scale then the other regions' practices.
  static func text(_ published: PublishedTables, scale: SampleScale = .small) throws -> String {
    func code(_ name: String) -> String { String(Geography.denmark.kommune(named: name)!.code) }
    func danish(_ s: String) -> String { s.replacingOccurrences(of: ".", with: ",") }
    func field(_ s: String) -> String {
      s.contains(";") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    let clinics = published.clinics
    guard clinics.count == physiotherapists.count else {
      throw SampleGeneratorError(
        message: "clinics.csv lists \(clinics.count) clinics, the register sample has physiotherapists for "
          + "\(physiotherapists.count)")
    }
    var lines = [header]
    for (i, (c, n)) in zip(clinics, physiotherapists).enumerated() {
      let id = "F" + (i < 9 ? "0" : "") + String(i + 1)
      lines.append(
        [
          id, c.name, c.address, c.postnr, c.city, code(c.kommuneName), "51", danish(c.capacity51Text),
          danish(c.capacity62Text), "", c.wait51, c.wait62, String(n), c.extraAddress, "",
        ]
        .map(field).joined(separator: ";"))
    }
    for (i, line) in riding.split(separator: "\n").enumerated() {
      let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
      lines.append(
        ["R\(i + 1)", f[1], f[2], f[3], f[4], code(f[0]), "65", "", "", danish(f[5]), "", "", f[6], f[7], f[8]]
          .map(field).joined(separator: ";"))
    }
    if scale == .full { lines += otherRegions() }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The records of `OtherRegionPractices`, then the other regions' riding
  /// practices, by kommune.
  static func otherRegions() -> [String] {
    let geo = Geography.denmark
    func hundredths(_ v: Int) -> String { v % 100 == 0 ? "\(v / 100)" : "\(v / 100)," + String(format: "%02d", v % 100) }
    var lines: [String] = []
    for p in OtherRegionPractices.all {
      let k = geo.kommune(code: p.kommune)!
      let serial = (p.serial < 10 ? "0" : "") + String(p.serial)
      let postnr = String(OtherRegionPractices.postnr(kommune: p.kommune))
      let fields: [String] = [
        "K\(p.kommune)-\(serial)", "Fysioterapi \(k.name) \(p.serial)", "Sundhedsvej \(p.serial)", postnr, k.name,
        String(p.kommune), "51", hundredths(p.capacity51), hundredths(p.capacity62), "", String(p.wait51),
        String(p.wait62), String(p.physiotherapists), "", "",
      ]
      lines.append(fields.joined(separator: ";"))
    }
    for p in OtherRegionPractices.all where p.serial == 1 {
      guard PopulationSample.size(ofOther: p.kommune) >= ridingInhabitants else { continue }
      let k = geo.kommune(code: p.kommune)!
      let postnr = String(OtherRegionPractices.postnr(kommune: p.kommune))
      let fields: [String] = [
        "RK\(p.kommune)", "\(k.name) Ridefysioterapi", "Ridebanevej 1", postnr, k.name, String(p.kommune), "65", "", "",
        "1", "", "", "1", "", "",
      ]
      lines.append(fields.joined(separator: ";"))
    }
    return lines
  }

  /// Writes `ydere.csv` into `directory` and returns its path, the clinics
  /// read from the published files bundled with LunaSamples.
  /// At `.small` (the default) Region Nordjylland's practices alone; at
  /// `.full` the other regions' too.
  @discardableResult
  public static func write(to directory: String, scale: SampleScale = .small) throws -> String {
    try write(to: directory, scale: scale, published: .bundled())
  }

  @discardableResult
  static func write(to directory: String, scale: SampleScale = .small, published: PublishedTables) throws -> String {
    let path = (directory as NSString).appendingPathComponent(fileName)
    try text(published, scale: scale).write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }
}
