using CrmBlazor.Domain.Comments;

namespace CrmBlazor.Tests.Domain;

/// <summary>R4.5: @name tags a user (by login name).</summary>
public class MentionTests
{
    [Theory]
    [InlineData("@lan.nguyen xin chào", new[] { "lan.nguyen" })]
    [InlineData("Chào @minh, @lan.nguyen. Hẹn mai", new[] { "minh", "lan.nguyen" })]
    [InlineData("@minh @MINH @minh", new[] { "minh" })]
    [InlineData("gửi lan@demo.vn nhé", new string[0])]
    [InlineData("không ai cả", new string[0])]
    [InlineData("(@tuan.bui) và [@duc]", new[] { "tuan.bui", "duc" })]
    [InlineData("@a không đủ dài", new string[0])]
    [InlineData("xong.@huong", new string[0])]
    [InlineData("@quang_vo-2!", new[] { "quang_vo-2" })]
    public void Parses_login_names(string body, string[] expected)
    {
        Assert.Equal(expected, Mentions.Parse(body));
    }

    [Fact]
    public void A_stream_read_marker_only_moves_forward()
    {
        var t = new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);
        var m = new StreamReadMarker("u", 1, t);
        m.MoveTo(t.AddMinutes(-5));
        Assert.Equal(t, m.ReadAt);
        m.MoveTo(t.AddMinutes(5));
        Assert.Equal(t.AddMinutes(5), m.ReadAt);
    }
}
