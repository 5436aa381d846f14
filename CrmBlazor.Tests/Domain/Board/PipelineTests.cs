using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Relationships;

namespace CrmBlazor.Tests.Domain.Board;

/// <summary>Rules over the whole pipeline (R2.1–R2.5): order, unique names, delete and restore.</summary>
public class PipelineTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);

    private static List<Relationship> Stages() =>
    [
        new("Tiềm năng", "#1E88E5", null, 0, isDefault: true),
        new("Đã liên hệ", "#00ACC1", null, 1),
        new("Quan tâm", "#43A047", null, 2),
        new("Đã báo giá", "#FDD835", null, 3),
    ];

    [Fact]
    public void R2_2_moving_a_stage_renumbers_every_active_stage_densely()
    {
        var all = Stages();
        var quoted = all[3];
        var order = Pipeline.Move(all, quoted, 1);
        Assert.Equal(["Tiềm năng", "Đã báo giá", "Đã liên hệ", "Quan tâm"], order.Select(r => r.Name));
        Assert.Equal([0, 1, 2, 3], order.Select(r => r.Position));
        Assert.Equal(1, quoted.Position);
    }

    [Fact]
    public void R2_3_the_first_relationship_can_be_moved_to_the_end_and_is_still_undeletable()
    {
        var all = Stages();
        var first = all[0];
        var order = Pipeline.Move(all, first, 99);
        Assert.Same(first, order[^1]);
        Assert.Equal(3, first.Position);
        Assert.Equal(RuleCodes.FirstRelationshipUndeletable, Assert.Throws<DomainException>(() => first.Delete(0, Now)).Code);
    }

    [Fact]
    public void R2_2_deleted_stages_are_left_out_of_the_order()
    {
        var all = Stages();
        all[1].Delete(0, Now);
        var order = Pipeline.Move(all, all[3], 0);
        Assert.Equal(["Đã báo giá", "Tiềm năng", "Quan tâm"], order.Select(r => r.Name));
        Assert.Equal([0, 1, 2], order.Select(r => r.Position));
        Assert.Throws<DomainException>(() => Pipeline.Move(all, all[1], 0));
    }

    [Theory]
    [InlineData("quan tam")]
    [InlineData("QUAN TÂM")]
    [InlineData("  Quan Tâm ")]
    public void R2_1_names_are_unique_without_case_or_diacritics(string name)
    {
        var all = Stages();
        var ex = Assert.Throws<DomainException>(() => Pipeline.EnsureUniqueName(all, name));
        Assert.Equal(Pipeline.NameTaken, ex.Code);
    }

    [Fact]
    public void R2_1_a_stage_may_keep_its_own_name_and_a_deleted_name_is_free()
    {
        var all = Stages();
        Pipeline.EnsureUniqueName(all, "quan tâm", self: all[2]);
        all[3].Delete(0, Now);
        Pipeline.EnsureUniqueName(all, "Đã báo giá");
    }

    [Fact]
    public void R2_5_a_restored_stage_goes_after_the_last_active_one()
    {
        var all = Stages();
        var quoted = all[3];
        quoted.Delete(0, Now);
        Assert.Equal(3, Pipeline.NextPosition(all));
        Pipeline.Move(all, all[0], 2);
        quoted.Restore();
        quoted.MoveTo(Pipeline.NextPosition(all.Where(r => r != quoted)));
        Assert.False(quoted.IsDeleted);
        Assert.Same(quoted, Pipeline.InOrder(all).Last());
    }

    [Fact]
    public void R2_4_a_stage_used_only_by_customers_in_the_trash_still_cannot_be_deleted()
    {
        // The count passed in includes trashed customers (the service counts them); any positive count blocks.
        var stage = Stages()[2];
        var ex = Assert.Throws<DomainException>(() => stage.Delete(customersUsingIt: 1, Now));
        Assert.Equal(RuleCodes.RelationshipInUse, ex.Code);
        Assert.False(stage.IsDeleted);
    }
}
