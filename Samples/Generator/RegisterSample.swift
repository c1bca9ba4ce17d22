import Foundation
import LunaDomain

/// Writes the sample provider register `ydere.csv` (input contract,
/// section 2): the praksisplan's 50 fysioterapi practices of Region
/// Nordjylland as Bilag 2 lists them (28 October 2024: capacities, expected
/// waits, satellite addresses), and seven ridefysioterapi practices
/// consistent with tables 14 and 15.
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
/// The file is `;`-separated UTF-8 with Danish decimal commas.
public enum RegisterSample {
  public static let fileName = "ydere.csv"

  /// `kommune|klinik|adresse|postnr|by|ekstra_adresse|kapacitet_51|kapacitet_62|ventetid_51|ventetid_62|fysioterapeuter`
  /// (capacities with a decimal point as the plan's table has them).
  static let clinics = """
Brønderslev|BeneFiT Dronninglund ApS|Rørholtvej 3 A|9330|Dronninglund||2.76|2.62|0|2|7
Brønderslev|FysioDanmark Brønderslev Fysioterapi|Nordens Alle 61|9700|Brønderslev||1.82|2.75|1|1|6
Brønderslev|Hjallerup Fysioterapi & Træningsklinik|Hjallerup Centret 20 A|9320|Hjallerup||0.56|0.89|||1
Brønderslev|Tine Winther Kyvsgaard, inMOTUS ApS|Ny Banegårdsgade 7|9700|Brønderslev||2.98|2.51|0|8|7
Frederikshavn|BeneFiT Frederikshavn ApS|Knivholtvej 2 B|9900|Frederikshavn||3.14|2.54|0|10|7
Frederikshavn|BeneFiT Nord ApS Sæby|Stationspladsen 4|9300|Sæby||2.48|3.23|0|10|7
Frederikshavn|Klinik for Fysioterapi ved Tonni Carlsen|Søndergade 32|9900|Frederikshavn||2.71|2.53|2|4|7
Frederikshavn|Skagen Fysioterapi & Osteopati|Kattegatvej 13|9990|Skagen||2|2.05|0|2|4
Frederikshavn|Østervrå Fysioterapi & Træning|Hjørringvej 444 B,st,-4|9750|Østervrå||0.96|0.99|0|12|2
Hjørring|FysioDanmark Hjørring I/S|Åstrupvej 53|9800|Hjørring||1.77|2.8|0|12|6
Hjørring|Fysioterapeuterne i Kongensgade|Kongensgade 3|9800|Hjørring||1.39|0.88|0|0|4
Hjørring|Fysioterapeuterne Skagensvej|Skagensvej 147|9800|Hjørring||2.99|3.07|0|4|8
Hjørring|Fysioterapien Løkkenshus|Søndergade 21 C|9480|Løkken||0.45|0.51|1|1|1
Hjørring|Hirtshals Fysioterapi ApS|Hjørringgade 13|9850|Hirtshals||1.42|0.92|0|1|4
Hjørring|Hjørring Fysioterapi v/Ann-Sophie Hedegaard|Østergade 52 C|9800|Hjørring||2.28|1.78|0|12|5
Hjørring|Idrætscenter Vendsyssel|Stadionvej 17|9760|Vrå||0.49|0.51|1|2|1
Hjørring|Klinik for Fysioterapi Sindal|Østerlund 2 B|9870|Sindal||1.27|1.64|0|4|4
Jammerbugt|Jammerbugt Fysioterapi ApS|Østergade 11|9690|Fjerritslev|Damengvej 2, 9460 Brovst|3.68|2.28|0|14|8
Jammerbugt|Klinik for Fysioterapi ApS|Bredgade 140|9490|Pandrup||1.76|5.42|1|6|9
Jammerbugt|Aabybro Fysioterapi|Industrivej 8|9440|Aabybro||2.12|2.1|1|1|5
Læsø|Fysioterapien Læsø|Byrum Hovedgade 58|9940|Læsø||0.49|0.34|0|5|1
Mariagerfjord|BeneFiT Hadsund Midtpunkt|Lindalsvej 11, st.|9560|Hadsund||3.28|3.8|1|9|9
Mariagerfjord|BeneFiT Hobro ApS|H I Biesgade 6 A|9500|Hobro||3.91|5.63|||12
Mariagerfjord|Fysioterapeut Mia Toft, Arden Fys.|Vestergade 21|9510|Arden||1.65|1.86|0|6|3
Mariagerfjord|Mariager Fysioterapi ApS|Østergade 12|9550|Mariager||1|1.36|1|2|3
Morsø|Morsø Fysioterapi ApS|Vettelsgade 7|7900|Nykøbing M||4.34|4.69|0|36|12
Rebild|BeneFiT Rebild ApS|Møllevej 2|9520|Skørping|Jernbanegade 15, 9530 Støvring|1.84|2.28|0|1|5
Rebild|Nørager Fysioterapi ApS|Skrænten 8|9610|Nørager||1.24|1.08|0|24|3
Rebild|Støvring FysioCenter I/S|Hobrovej 13 B|9530|Støvring||1.88|1.29|1|30|3
Thisted|Fysioklinik Snedsted ApS|Øster Alle 10 A|7752|Snedsted||2.5|3|5|6|7
Thisted|Nordthy Fysioterapi|Thyparken 6B|7700|Thisted|Birkevænget 7, 7730 Hanstholm|7.34|4.9|0|8|16
Thisted|Sydthy Klinik, Glenn Wiik|Industrivej 18|7760|Hurup Thy||1.82|2.38|0|3|5
Vesthimmerlands|Farsø Fysioterapi|Søndergade 15|9640|Farsø||0.82|1.38|0|6|2
Vesthimmerlands|FysioDanmark Løgstør|Blekingevej 17|9670|Løgstør||2.58|2.64|0|12|7
Vesthimmerlands|Fysiodanmark Aars|Messevej 2|9600|Aars||3.64|3.58|2|18|9
Vesthimmerlands|Aalestrup Fysioterapi|Testrupvej 2 c|9620|Aalestrup||2.32|2.72|1|12|7
Aalborg|FysioDanmark Aalborg|John F. Kennedys Pl. 1R|9000|Aalborg|Skelagervej 379B, 1., 9000 Aalborg|6.24|4.86|0|12|14
Aalborg|Fysioform ApS|Halsvej 220|9310|Vodskov||1.96|1.21|1|2|4
Aalborg|Fysioterapeuterne Sundhedens Hus|Dag Hammarskjølds G. 4|9000|Aalborg||2.45|2.15|0|0|6
Aalborg|Fysioterapien Aalborg Øst|Fyrkildevej 7, st, lejl. 2|9220|Aalborg Øst||1.42|1.47|3|20|3
Aalborg|Hasseris Fysioterapi og Motionscenter|Thulebakken 22|9000|Aalborg||2.65|3.31|2|2|8
Aalborg|Klinik for Fysioterapi|Holbergsgade 13|9000|Aalborg||2.83|7.55|0|6|13
Aalborg|Nibe Fysioterapi ApS|Grønnegade 42|9240|Nibe||2.46|3.48|1|8|8
Aalborg|Nørresundby Fysioterapi|Lille Borgergade 25|9400|Nørresundby||3.08|2.84|0|26|8
Aalborg|ProTreatment Nørresundby|Hjørringvej 116-118|9400|Nørresundby||3.25|2.77|0|1|8
Aalborg|Skalborg Fysioterapi|Johan Skjoldborgs V. 3|9200|Aalborg SV||1.22|1.62|0|26|4
Aalborg|Storvorde Fysioterapi|Rødhøjvej 14|9280|Storvorde||2.27|1.79|0|4|5
Aalborg|Vejgaard Fysioterapi|Heimdalsgade 11|9000|Aalborg||3.69|0.82|0|3|6
Aalborg|Vodskov Fysioterapi|Vodskovvej 23A st.|9310|Vodskov||0.67|0.79|3|4|1
Aalborg|Aalborg Fysioterapi|Grønlands Torv 24|9210|Aalborg SØ||5.51|3.55|0|0|12
"""

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

  /// The register's text.
  public static func text() -> String {
    func code(_ name: String) -> String { String(Geography.denmark.kommune(named: name)!.code) }
    func danish(_ s: String) -> String { s.replacingOccurrences(of: ".", with: ",") }
    func field(_ s: String) -> String {
      s.contains(";") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    var lines = [header]
    for (i, line) in clinics.split(separator: "\n").enumerated() {
      let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
      let id = "F" + (i < 9 ? "0" : "") + String(i + 1)
      lines.append(
        [id, f[1], f[2], f[3], f[4], code(f[0]), "51", danish(f[6]), danish(f[7]), "", f[8], f[9], f[10], f[5], ""]
          .map(field).joined(separator: ";"))
    }
    for (i, line) in riding.split(separator: "\n").enumerated() {
      let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
      lines.append(
        ["R\(i + 1)", f[1], f[2], f[3], f[4], code(f[0]), "65", "", "", danish(f[5]), "", "", f[6], f[7], f[8]]
          .map(field).joined(separator: ";"))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Writes `ydere.csv` into `directory` and returns its path.
  @discardableResult
  public static func write(to directory: String) throws -> String {
    let path = (directory as NSString).appendingPathComponent(fileName)
    try text().write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }
}
