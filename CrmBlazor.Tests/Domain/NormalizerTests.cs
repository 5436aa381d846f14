using System.Text;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;

namespace CrmBlazor.Tests.Domain;

/// <summary>
/// R3.3 normalisation rules: phone forms (84xxxxxxxxx / 0xxxxxxxxx / +84 ...) become one E.164 form,
/// gender words (Female/Nu/Nữ → female, Male/Nam → male) map to <see cref="Gender"/>, dates are dd/mm/yyyy,
/// and names fold to accent-free lower-case search keys.
/// </summary>
public class NormalizerTests
{
    // ---------------------------------------------------------------- phones (R3.3)

    [Theory]
    // #21: pre-2018 eleven-digit mobiles are rewritten to their current prefix in every written form.
    [InlineData("01689123456", "+84389123456")]
    [InlineData("0162 912 3456", "+84329123456")]
    [InlineData("+84 1689 123 456", "+84389123456")]
    [InlineData("841689123456", "+84389123456")]
    [InlineData("00841689123456", "+84389123456")]
    [InlineData("01201234567", "+84701234567")]
    [InlineData("01211234567", "+84791234567")]
    [InlineData("01221234567", "+84771234567")]
    [InlineData("01261234567", "+84761234567")]
    [InlineData("01281234567", "+84781234567")]
    [InlineData("01231234567", "+84831234567")]
    [InlineData("01241234567", "+84841234567")]
    [InlineData("01251234567", "+84851234567")]
    [InlineData("01271234567", "+84811234567")]
    [InlineData("01291234567", "+84821234567")]
    [InlineData("01861234567", "+84561234567")]
    [InlineData("01881234567", "+84581234567")]
    [InlineData("01991234567", "+84591234567")]
    public void Legacy_mobile_numbers_are_renumbered(string input, string expected)
    {
        Assert.Equal(expected, PhoneNormalizer.Normalize(input, out var converted));
        Assert.True(converted);
        Assert.Equal(expected, PhoneNormalizer.Normalize(input));
    }

    [Theory]
    // Eleven-digit forms whose prefix was never a mobile one are not invented into numbers; current ones are not "converted".
    [InlineData("01301234567", null, false)]
    [InlineData("01101234567", null, false)]
    [InlineData("0912345678", "+84912345678", false)]
    [InlineData("02838234567", "+842838234567", false)]
    public void Only_the_renumbered_prefixes_are_converted(string input, string? expected, bool converted)
    {
        Assert.Equal(expected, PhoneNormalizer.Normalize(input, out var wasConverted));
        Assert.Equal(converted, wasConverted);
    }

    [Theory]
    // R3.3: every written form of one Vietnamese mobile becomes the same E.164 string.
    [InlineData("0912345678", "+84912345678")]
    [InlineData("0912 345 678", "+84912345678")]
    [InlineData("0912.345.678", "+84912345678")]
    [InlineData("0912-345-678", "+84912345678")]
    [InlineData("091 234 56 78", "+84912345678")]
    [InlineData("+84 912.345.678", "+84912345678")]
    [InlineData("+84 912 345 678", "+84912345678")]
    [InlineData("84912345678", "+84912345678")] // R3.3: 84xxxxxxxxx without '+'
    [InlineData("84 912 345 678", "+84912345678")]
    [InlineData("(+84) 912345678", "+84912345678")]
    [InlineData("(+84) 912 345 678", "+84912345678")]
    [InlineData("+84912345678", "+84912345678")]
    [InlineData("0084912345678", "+84912345678")] // "00" international prefix
    [InlineData("0084 912 345 678", "+84912345678")]
    [InlineData("+84 (0) 912 345 678", "+84912345678")]
    [InlineData("  0912345678  ", "+84912345678")]
    [InlineData("0912\t345\u00A0678", "+84912345678")]
    [InlineData("912345678", "+84912345678")] // national number without trunk 0
    // Other Vietnamese mobile prefixes (03x, 05x, 07x, 08x, 09x).
    [InlineData("0321234567", "+84321234567")]
    [InlineData("0388 123 456", "+84388123456")]
    [InlineData("0562 123 456", "+84562123456")]
    [InlineData("0701234567", "+84701234567")]
    [InlineData("0779 123 456", "+84779123456")]
    [InlineData("0812345678", "+84812345678")]
    [InlineData("0868 123 456", "+84868123456")]
    [InlineData("0901 234 567", "+84901234567")]
    [InlineData("0987.654.321", "+84987654321")]
    [InlineData("84987654321", "+84987654321")]
    [InlineData("+84 387 654 321", "+84387654321")]
    // Prefixes libphonenumber's metadata does not (yet) know: accepted by the Vietnamese-shape fallback.
    [InlineData("0521234567", "+84521234567")]
    [InlineData("0891234567", "+84891234567")]
    [InlineData("84891234567", "+84891234567")]
    // Landlines: Ho Chi Minh City (028), Hanoi (024), Da Nang (0236).
    [InlineData("(028) 3823 4567", "+842838234567")]
    [InlineData("028 3823 4567", "+842838234567")]
    [InlineData("028.3823.4567", "+842838234567")]
    [InlineData("024 3826 1234", "+842438261234")]
    [InlineData("(024) 3826-1234", "+842438261234")]
    [InlineData("+84 28 3823 4567", "+842838234567")]
    [InlineData("842838234567", "+842838234567")]
    [InlineData("0236 3821 234", "+842363821234")]
    [InlineData("+84 (236) 3821 234", "+842363821234")]
    // Foreign numbers with an explicit country code keep their own country.
    [InlineData("+1 650 253 0000", "+16502530000")]
    [InlineData("+1 (650) 253-0000", "+16502530000")]
    [InlineData("001 650 253 0000", "+16502530000")]
    [InlineData("+65 6123 4567", "+6561234567")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("+81 3-1234-5678", "+81312345678")]
    [InlineData("+86 138 0013 8000", "+8613800138000")]
    // Invalid: blank, garbage, wrong length, unknown prefixes, misplaced '+', other separators.
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("abc", null)]
    [InlineData("0912 345 67a", null)]
    [InlineData("0912-345-678 ext 12", null)]
    [InlineData("091234567", null)] // too short
    [InlineData("09123456789", null)] // too long
    [InlineData("0112345678", null)] // no Vietnamese prefix 01x (10 digits)
    [InlineData("0412345678", null)]
    [InlineData("0612345678", null)]
    [InlineData("12345", null)]
    [InlineData("+84 12 34", null)]
    [InlineData("+1 111 111 1111", null)] // invalid North American number
    [InlineData("0912+345678", null)]
    [InlineData("++84912345678", null)]
    [InlineData("0912/345/678", null)]
    [InlineData("0912345678 / 0987654321", null)] // two numbers in one cell
    [InlineData("+84 912 345 678 999 999 999", null)]
    [InlineData("\uFF10\uFF19\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18", null)] // full-width digits
    public void R3_3_Phone_Normalize_OneCanonicalForm(string? input, string? expected)
    {
        Assert.Equal(expected, PhoneNormalizer.Normalize(input));

        var ok = PhoneNormalizer.TryNormalize(input, out var normalized);
        Assert.Equal(expected is not null, ok);
        Assert.Equal(expected ?? "", normalized);

        if (expected is not null)
        {
            // Canonical form is a fixed point: normalising it again changes nothing.
            Assert.Equal(expected, PhoneNormalizer.Normalize(expected));
        }
    }

    /// <summary>
    /// R3.3: the shortcut for Vietnamese mobile numbers gives exactly what libphonenumber's parse gives, for every
    /// two-digit prefix (allocated or not) and for the other leading digits it must leave to the parse.
    /// </summary>
    [Fact]
    public void R3_3_Phone_Normalize_shortcut_agrees_with_libphonenumber_for_every_prefix()
    {
        var compared = 0;
        for (var prefix = 10; prefix <= 99; prefix++)
        {
            foreach (var rest in new[] { "0000000", "1234567", "9999999", "5550123" })
            {
                var national = $"{prefix}{rest}";
                foreach (var written in new[] { "0" + national, "+84" + national })
                {
                    Assert.Equal(PhoneNormalizer.NormalizeCleaned(written), PhoneNormalizer.Normalize(written));
                    compared++;
                }
            }
        }

        Assert.Equal(90 * 4 * 2, compared);
        // And the shortcut really answers for the mobile ranges (a null here would hide a broken comparison).
        Assert.Equal("+84351234567", PhoneNormalizer.Normalize("0351234567"));
        Assert.Equal("+84991234567", PhoneNormalizer.Normalize("+84991234567"));
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("0912 345 678", "0912345678")]
    [InlineData("+84 (912) 345-678", "84912345678")]
    [InlineData("abc", "")]
    [InlineData("091.2a", "0912")]
    [InlineData("12345", "12345")]
    public void Phone_Digits_KeepsOnlyDigits(string? input, string expected)
    {
        Assert.Equal(expected, PhoneNormalizer.Digits(input));
    }

    [Theory]
    [InlineData("+84912345678", "0912 345 678")]
    [InlineData("+84987654321", "0987 654 321")]
    [InlineData("+842838234567", "028 3823 4567")]
    [InlineData("+842438261234", "024 3826 1234")]
    [InlineData("+84521234567", "0521 234 567")] // prefix unknown to the metadata keeps its trunk 0
    [InlineData("+16502530000", "+1 650-253-0000")]
    [InlineData("+6561234567", "+65 6123 4567")]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("   ", "")]
    [InlineData(" not a phone ", "not a phone")]
    public void Phone_ToDisplay_NationalForVietnam_InternationalForForeign(string? e164, string expected)
    {
        Assert.Equal(expected, PhoneNormalizer.ToDisplay(e164));
    }

    [Theory]
    [InlineData("0912 345 678")]
    [InlineData("(028) 3823 4567")]
    [InlineData("+65 6123 4567")]
    public void Phone_DisplayForm_NormalizesBackToSameNumber(string input)
    {
        var e164 = PhoneNormalizer.Normalize(input);
        Assert.NotNull(e164);
        Assert.Equal(e164, PhoneNormalizer.Normalize(PhoneNormalizer.ToDisplay(e164)));
    }

    [Fact]
    public void Phone_Normalize_NeverThrowsOnArbitraryInput()
    {
        var random = new Random(20240305);
        const string alphabet = "0123456789+-.() abcxyz/#*\u00A0\u0110\u1EEF";
        for (var i = 0; i < 5000; i++)
        {
            var chars = new char[random.Next(0, 30)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var input = new string(chars);
            var result = PhoneNormalizer.Normalize(input);
            Assert.True(result is null || result.StartsWith('+'), input);
            Assert.NotNull(PhoneNormalizer.ToDisplay(input));
        }

        Assert.Null(PhoneNormalizer.Normalize(new string('9', 10_000)));
    }

    // ---------------------------------------------------------------- search keys

    [Theory]
    [InlineData("Nguyễn Thị Ánh", "nguyen thi anh")]
    [InlineData("ĐẶNG VĂN ĐỨC", "dang van duc")]
    [InlineData("Trần  Quốc   Toản ", "tran quoc toan")]
    [InlineData("Huỳnh", "huynh")]
    [InlineData("Phạm", "pham")]
    [InlineData("Lê", "le")]
    [InlineData("Ngô", "ngo")]
    [InlineData("Dương", "duong")]
    [InlineData("Võ", "vo")]
    [InlineData("Vũ", "vu")]
    [InlineData("Bùi", "bui")]
    [InlineData("Hồ", "ho")]
    [InlineData("Đỗ", "do")]
    [InlineData("Lý", "ly")]
    [InlineData("Quách", "quach")]
    [InlineData("Ưng", "ung")]
    [InlineData("Ơn", "on")]
    [InlineData("Đinh", "dinh")]
    // Text converted from legacy Vietnamese encodings (VNI, TCVN3) often carries the look-alike eth letter for Đ/đ.
    [InlineData("Nguyễn Thị Ðông", "nguyen thi dong")]
    [InlineData("ðinh", "dinh")]
    [InlineData("Hoàng", "hoang")]
    [InlineData("Trương", "truong")]
    [InlineData("Lương", "luong")]
    [InlineData("Phan Thị Thu Hằng", "phan thi thu hang")]
    [InlineData("Lê Hoàng Yến", "le hoang yen")]
    [InlineData("Tạ Thị Mỹ Duyên", "ta thi my duyen")]
    [InlineData("Ỷ Lan", "y lan")]
    [InlineData("Ứng Hoà", "ung hoa")]
    [InlineData("Thành phố Hồ Chí Minh", "thanh pho ho chi minh")]
    [InlineData("Đà Nẵng", "da nang")]
    [InlineData("Huế", "hue")]
    [InlineData("Cần Thơ", "can tho")]
    [InlineData("Bà Rịa – Vũng Tàu", "ba ria – vung tau")] // punctuation (en dash) is kept
    [InlineData("Công ty TNHH Sơn Hà", "cong ty tnhh son ha")]
    [InlineData("  \t Hà\u00A0Nội \n", "ha noi")]
    [InlineData("Lê\r\nVăn\tTám", "le van tam")]
    [InlineData("anh.nguyen@Example.COM", "anh.nguyen@example.com")]
    [InlineData("+84 912-345_678", "+84 912-345_678")]
    [InlineData("Nguyễn Văn A, Jr. (VIP)!", "nguyen van a, jr. (vip)!")]
    [InlineData("ABC123", "abc123")]
    [InlineData("nguyen thi anh", "nguyen thi anh")]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("   ", "")]
    [InlineData("Nguye\u0302\u0303n", "nguyen")] // decomposed (NFD) input
    [InlineData("\u0110a\u0300 La\u0323t", "da lat")] // decomposed with Đ
    [InlineData("Zero\u200Bwidth\uFEFF", "zerowidth")] // invisible format characters dropped
    [InlineData("Café Müller", "cafe muller")]
    [InlineData("đĐ", "dd")]
    [InlineData("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", "aaaaaaaaaaaaaaaaa")]
    [InlineData("ÈÉẺẼẸÊỀẾỂỄỆ", "eeeeeeeeeee")]
    [InlineData("ÌÍỈĨỊ", "iiiii")]
    [InlineData("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", "ooooooooooooooooo")]
    [InlineData("ÙÚỦŨỤƯỪỨỬỮỰ", "uuuuuuuuuuu")]
    [InlineData("ỲÝỶỸỴ", "yyyyy")]
    [InlineData("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ",
        "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd")]
    public void SearchKey_Fold_RemovesDiacriticsCaseAndExtraSpaces(string? input, string expected)
    {
        Assert.Equal(expected, SearchKey.Fold(input));
    }

    [Theory]
    [InlineData("Nguyễn Thị Ánh")]
    [InlineData("ĐẶNG VĂN ĐỨC")]
    [InlineData("Trương Mỹ Lệ")]
    [InlineData("Quách Thị Ưng Ơn")]
    public void SearchKey_Fold_PrecomposedAndDecomposedGiveSameKey(string name)
    {
        var nfc = name.Normalize(NormalizationForm.FormC);
        var nfd = name.Normalize(NormalizationForm.FormD);
        Assert.NotEqual(nfc, nfd);
        Assert.Equal(SearchKey.Fold(nfc), SearchKey.Fold(nfd));
        Assert.True(SearchKey.Fold(nfd).All(char.IsAscii));
    }

    [Fact]
    public void SearchKey_Fold_LongInputBeyondStackBuffer()
    {
        var name = string.Concat(Enumerable.Repeat("Nguyễn   Thị Ánh ", 100));
        var expected = string.Join(' ', Enumerable.Repeat("nguyen thi anh", 100));
        Assert.Equal(expected, SearchKey.Fold(name));
    }

    [Fact]
    public void SearchKey_Fold_InvalidUtf16DoesNotThrow()
    {
        // string.Normalize throws on lone surrogates and U+FFFE; Fold must stay total.
        Assert.Equal("anh \uD800x", SearchKey.Fold("ÁNH  \uD800X"));
        Assert.Equal("nguyen\uFFFE", SearchKey.Fold("Nguyễn\uFFFE"));
        Assert.Equal("ha noi\uDFFF", SearchKey.Fold(" Hà Nội\uDFFF "));
    }

    [Theory]
    [InlineData("Nguyễn Thị Ánh", "anh", true)]
    [InlineData("Nguyễn Thị Ánh", "ÁNH", true)]
    [InlineData("Nguyễn Thị Ánh", "thi a", true)]
    [InlineData("Đặng Văn Đức", "duc", true)]
    [InlineData("Đặng Văn Đức", "đức", true)]
    [InlineData("Trần Quốc Toản", "quoc   toan", true)]
    [InlineData("Trần Quốc Toản", "", true)]
    [InlineData("Trần Quốc Toản", null, true)]
    [InlineData(null, "", true)]
    [InlineData(null, "a", false)]
    [InlineData("Lê Văn", "lan", false)]
    [InlineData("Hồ Chí Minh", "ho chi minh city", false)]
    [InlineData("anh.nguyen@example.com", "NGUYEN@", true)]
    [InlineData("Phạm Minh", "minh pham", false)]
    public void SearchKey_Matches_AccentAndCaseInsensitiveContains(string? haystack, string? needle, bool expected)
    {
        Assert.Equal(expected, SearchKey.Matches(haystack, needle));
    }

    // ---------------------------------------------------------------- gender words (R3.3)

    [Theory]
    // R3.3: Female / Nu / Nữ → female.
    [InlineData("female", true, Gender.Female)]
    [InlineData("Female", true, Gender.Female)]
    [InlineData("FEMALE", true, Gender.Female)]
    [InlineData("f", true, Gender.Female)]
    [InlineData("F", true, Gender.Female)]
    [InlineData("nu", true, Gender.Female)]
    [InlineData("Nu", true, Gender.Female)]
    [InlineData("nữ", true, Gender.Female)]
    [InlineData("Nữ", true, Gender.Female)]
    [InlineData("NỮ", true, Gender.Female)]
    [InlineData("nư", true, Gender.Female)]
    [InlineData("Phụ nữ", true, Gender.Female)]
    [InlineData("phu  nu", true, Gender.Female)]
    [InlineData(" Nữ ", true, Gender.Female)]
    [InlineData("Nu\u031B\u0303", true, Gender.Female)] // decomposed "nữ"
    // R3.3: Male / Nam → male.
    [InlineData("male", true, Gender.Male)]
    [InlineData("Male", true, Gender.Male)]
    [InlineData("M", true, Gender.Male)]
    [InlineData("m", true, Gender.Male)]
    [InlineData("nam", true, Gender.Male)]
    [InlineData("Nam", true, Gender.Male)]
    [InlineData("NAM", true, Gender.Male)]
    [InlineData("other", true, Gender.Other)]
    [InlineData("Other", true, Gender.Other)]
    [InlineData("khac", true, Gender.Other)]
    [InlineData("Khác", true, Gender.Other)]
    [InlineData("KHÁC", true, Gender.Other)]
    // Blank and unknown words.
    [InlineData(null, false, Gender.Unknown)]
    [InlineData("", false, Gender.Unknown)]
    [InlineData("   ", false, Gender.Unknown)]
    [InlineData("x", false, Gender.Unknown)]
    [InlineData("unknown", false, Gender.Unknown)]
    [InlineData("nữa", false, Gender.Unknown)]
    [InlineData("nam nữ", false, Gender.Unknown)]
    [InlineData("males", false, Gender.Unknown)]
    public void R3_3_GenderWords_TryParse(string? word, bool expectedOk, Gender expected)
    {
        var ok = GenderWords.TryParse(word, out var gender);
        Assert.Equal(expectedOk, ok);
        Assert.Equal(expected, gender);
    }

    [Theory]
    [InlineData(Gender.Male, "Nam", "Male")]
    [InlineData(Gender.Female, "Nữ", "Female")]
    [InlineData(Gender.Other, "Khác", "Other")]
    [InlineData(Gender.Unknown, "", "")]
    public void GenderWords_Labels_RoundTrip(Gender gender, string vietnamese, string english)
    {
        Assert.Equal(vietnamese, GenderWords.ToVietnamese(gender));
        Assert.Equal(english, GenderWords.ToEnglish(gender));

        var expectedOk = gender != Gender.Unknown;
        Assert.Equal(expectedOk, GenderWords.TryParse(GenderWords.ToVietnamese(gender), out var fromVietnamese));
        Assert.Equal(gender, fromVietnamese);
        Assert.Equal(expectedOk, GenderWords.TryParse(GenderWords.ToEnglish(gender), out var fromEnglish));
        Assert.Equal(gender, fromEnglish);
    }

    // ---------------------------------------------------------------- dates (R3.3: dd/mm/yyyy)

    [Theory]
    [InlineData("05/03/2024", 2024, 3, 5)] // R3.3: day first, 5 March — never 3 May
    [InlineData("5/3/2024", 2024, 3, 5)]
    [InlineData("05-03-2024", 2024, 3, 5)]
    [InlineData("05.03.2024", 2024, 3, 5)]
    [InlineData("5.3.2024", 2024, 3, 5)]
    [InlineData("2024-03-05", 2024, 3, 5)] // ISO
    [InlineData("  05/03/2024  ", 2024, 3, 5)]
    [InlineData("12/01/2024", 2024, 1, 12)]
    [InlineData("13/01/2024", 2024, 1, 13)]
    [InlineData("31/12/1999", 1999, 12, 31)]
    [InlineData("29/02/2024", 2024, 2, 29)] // leap year
    [InlineData("1/1/2000", 2000, 1, 1)]
    [InlineData("02/09/1945", 1945, 9, 2)]
    public void R3_3_VnDate_TryParse_DayFirst(string text, int year, int month, int day)
    {
        Assert.True(VnDate.TryParse(text, out var date));
        Assert.Equal(new DateOnly(year, month, day), date);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("31/02/2024")] // no 31 February
    [InlineData("29/02/2023")] // not a leap year
    [InlineData("32/01/2024")]
    [InlineData("00/01/2024")]
    [InlineData("05/13/2024")] // month-first reading (13 May) is never used
    [InlineData("05/03/24")] // 2-digit year
    [InlineData("2024/03/05")]
    [InlineData("05/03/2024 10:30")]
    [InlineData("5 March 2024")]
    [InlineData("05032024")]
    [InlineData("05/03-2024")]
    public void R3_3_VnDate_TryParse_RejectsInvalid(string? text)
    {
        Assert.False(VnDate.TryParse(text, out var date));
        Assert.Equal(default, date);
    }

    [Fact]
    public void R3_3_VnDate_ToText_IsDdMmYyyy()
    {
        Assert.Equal("dd/MM/yyyy", VnDate.Format);
        Assert.Equal("05/03/2024", VnDate.ToText(new DateOnly(2024, 3, 5)));
        Assert.Equal("05/03/2024", VnDate.ToText((DateOnly?)new DateOnly(2024, 3, 5)));
        Assert.Equal("", VnDate.ToText((DateOnly?)null));

        var original = new DateOnly(1999, 12, 31);
        Assert.True(VnDate.TryParse(VnDate.ToText(original), out var roundTripped));
        Assert.Equal(original, roundTripped);
    }
}
