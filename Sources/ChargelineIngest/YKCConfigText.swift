/// Splitting the YKC configuration files (pile registry, billing model) into lines the way
/// the editors and tools that write them end lines.
///
/// A Swift `String` holds `\r\n` as one `Character`, so splitting on `"\n"` finds no line
/// break at all in a file saved by Excel, Notepad or Python's `csv` module (CRLF endings): the
/// whole registry became one header-looking line and loaded zero piles. Here any line break
/// counts (`\n`, `\r\n`, a lone `\r`), and a UTF-8 byte-order mark (Excel's "CSV UTF-8")
/// before the first line is dropped.
enum YKCConfigText {
    /// The physical lines of `text`, in order, without their line breaks; line `i` of the
    /// result is line `i + 1` of the file.
    static func lines(_ text: String) -> [Substring] {
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        return body.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
    }
}
