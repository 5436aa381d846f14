using System.IO.Compression;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace CrmBlazor.Features.Customers;

/// <summary>
/// Text that a spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage return) is exported to .xlsx
/// as a text cell with Excel's quote-prefix style (<c>quotePrefix="1"</c> on its cell format, issue 21): Excel and
/// LibreOffice show the text as it is, without a visible apostrophe, and keep it text when the cell is edited; the value
/// stored in the file is the exact text, so an import reads it back unchanged. CSV has no styles: there the text keeps a
/// leading apostrophe (<see cref="CustomerService.Safe"/>), which the import removes again.
/// <para>
/// MiniExcel 1.46 cannot style a single cell, so the workbook it wrote is rewritten here, once, and only when some cell
/// needs it: every cell format of styles.xml gets a twin with quotePrefix="1" (index + the number of formats), and each
/// text cell of the sheets whose text looks like a formula is moved to the twin of its format. The sheets are streamed
/// (XmlReader to XmlWriter, one cell element at a time), so a large export is never held in memory.
/// </para>
/// </summary>
public static class XlsxQuotePrefix
{
    private static readonly XNamespace Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    /// <summary>Whether a spreadsheet would take <paramref name="text"/> for a formula (or a formula's start).</summary>
    public static bool IsFormulaLike(string? text) => !string.IsNullOrEmpty(text) && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r';

    /// <summary>Rewrites the .xlsx at <paramref name="path"/> (as MiniExcel wrote it) with quote-prefixed formula-like text cells.</summary>
    public static void Apply(string path)
    {
        var temp = path + ".quoted";
        try
        {
            using (var source = ZipFile.OpenRead(path))
            using (var target = ZipFile.Open(temp, ZipArchiveMode.Create))
            {
                var stylesEntry = source.GetEntry("xl/styles.xml") ?? throw new InvalidDataException("The workbook has no styles part.");
                XDocument styles;
                using (var s = stylesEntry.Open())
                {
                    styles = XDocument.Load(s);
                }

                var offset = AddQuotedTwins(styles);
                foreach (var entry in source.Entries)
                {
                    var copy = target.CreateEntry(entry.FullName, CompressionLevel.Fastest);
                    copy.LastWriteTime = entry.LastWriteTime;
                    using var output = copy.Open();
                    if (entry.FullName == stylesEntry.FullName)
                    {
                        styles.Save(output, SaveOptions.DisableFormatting);
                    }
                    else if (entry.FullName.StartsWith("xl/worksheets/", StringComparison.Ordinal) && entry.FullName.EndsWith(".xml", StringComparison.Ordinal))
                    {
                        using var input = entry.Open();
                        RewriteSheet(input, output, offset);
                    }
                    else
                    {
                        using var input = entry.Open();
                        input.CopyTo(output);
                    }
                }
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Appends to cellXfs a copy of each of its formats with quotePrefix="1"; returns how far the twins are from their originals.</summary>
    private static int AddQuotedTwins(XDocument styles)
    {
        var cellXfs = styles.Root?.Element(Main + "cellXfs") ?? throw new InvalidDataException("The styles part has no cell formats.");
        var formats = cellXfs.Elements(Main + "xf").ToList();
        foreach (var xf in formats)
        {
            var twin = new XElement(xf);
            twin.SetAttributeValue("quotePrefix", "1");
            cellXfs.Add(twin);
        }

        cellXfs.SetAttributeValue("count", formats.Count * 2);
        return formats.Count;
    }

    private static void RewriteSheet(Stream input, Stream output, int offset)
    {
        using var reader = XmlReader.Create(input, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        using var writer = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false) });
        reader.Read();
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "c" && reader.NamespaceURI == Main.NamespaceName)
            {
                // One cell at a time; ReadFrom leaves the reader on the node after it.
                var cell = (XElement)XNode.ReadFrom(reader);
                if (IsFormulaLike(TextOf(cell)))
                {
                    cell.SetAttributeValue("s", ((int?)cell.Attribute("s") ?? 0) + offset);
                }

                cell.WriteTo(writer);
                continue;
            }

            CopyNode(reader, writer);
            reader.Read();
        }
    }

    /// <summary>The text of a text cell ("str" as MiniExcel writes it, or an inline string); null for other cells.</summary>
    private static string? TextOf(XElement cell) => (string?)cell.Attribute("t") switch
    {
        "str" => (string?)cell.Element(Main + "v"),
        "inlineStr" => string.Concat(cell.Element(Main + "is")?.Descendants(Main + "t").Select(t => t.Value) ?? []),
        _ => null,
    };

    /// <summary>Copies the reader's current node alone (an element's start with its attributes, not its content).</summary>
    private static void CopyNode(XmlReader reader, XmlWriter writer)
    {
        switch (reader.NodeType)
        {
            case XmlNodeType.Element:
                writer.WriteStartElement(reader.Prefix, reader.LocalName, reader.NamespaceURI);
                writer.WriteAttributes(reader, true);
                reader.MoveToElement();
                if (reader.IsEmptyElement)
                {
                    writer.WriteEndElement();
                }

                break;
            case XmlNodeType.EndElement:
                writer.WriteFullEndElement();
                break;
            case XmlNodeType.Text:
                writer.WriteString(reader.Value);
                break;
            case XmlNodeType.CDATA:
                writer.WriteCData(reader.Value);
                break;
            case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                writer.WriteWhitespace(reader.Value);
                break;
            case XmlNodeType.ProcessingInstruction:
                writer.WriteProcessingInstruction(reader.Name, reader.Value);
                break;
            case XmlNodeType.Comment:
                writer.WriteComment(reader.Value);
                break;
            // The declaration is the writer's own.
        }
    }
}
