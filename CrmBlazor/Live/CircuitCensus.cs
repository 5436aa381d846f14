using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace CrmBlazor.Live;

/// <summary>
/// Benchmarks only (registered with Diagnostics:AllowCollect): which components the open circuits hold, and how many
/// render-tree frames each keeps. An idle circuit's memory is mostly its components' two render buffers, so this table
/// says where a page's memory goes. It reads the renderer's private state by reflection, which is why it never runs in
/// production: a framework update may change those fields, and then the table is empty, nothing else breaks.
/// </summary>
public sealed class CircuitCensus : CircuitHandler
{
    private static readonly ConcurrentDictionary<string, Circuit> Open = new();

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Open[circuit.Id] = circuit;
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Open.TryRemove(circuit.Id, out _);
        return Task.CompletedTask;
    }

    /// <summary>Per component type over all open circuits: instances, and the frames their render buffers can hold.</summary>
    public static object Take()
    {
        var rows = new Dictionary<string, (int Count, long Frames, long Used)>(StringComparer.Ordinal);
        var circuits = 0;
        foreach (var circuit in Open.Values)
        {
            var host = FieldOfType(circuit, "CircuitHost");
            var renderer = host?.GetType().GetProperty("Renderer", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(host);
            if (renderer is null || FieldOfType(renderer, "Dictionary`2", "ComponentState") is not IDictionary states)
            {
                continue;
            }

            circuits++;
            foreach (var state in states.Values)
            {
                var component = state?.GetType().GetProperty("Component", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(state);
                var name = component?.GetType().Name ?? "?";
                long frames = 0, used = 0;
                foreach (var builder in FieldsOfType(state!, "RenderTreeBuilder"))
                {
                    var entries = FieldOfType(builder, "RenderTreeFrameArrayBuilder");
                    if (entries is not null && FieldsOfArray(entries) is Array buffer)
                    {
                        frames += buffer.Length;
                        // The frames the last render used (the builder's count), against what its buffer can hold.
                        used = Math.Max(used, AllFields(entries.GetType()).Where(f => f.FieldType == typeof(int) && f.Name.Contains("InUse", StringComparison.Ordinal))
                            .Select(f => (int)f.GetValue(entries)!).FirstOrDefault());
                    }
                }

                var row = rows.GetValueOrDefault(name);
                rows[name] = (row.Count + 1, row.Frames + frames, row.Used + used);
            }
        }

        return new
        {
            circuits,
            components = rows.OrderByDescending(r => r.Value.Frames)
                .Select(r => new { type = r.Key, count = r.Value.Count, frames = r.Value.Frames, used = r.Value.Used })
                .ToList(),
        };
    }

    private static IEnumerable<FieldInfo> AllFields(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                yield return field;
            }
        }
    }

    private static object? FieldOfType(object target, string typeName, string? argument = null) =>
        AllFields(target.GetType())
            .Where(f => f.FieldType.Name == typeName && (argument is null || f.FieldType.GenericTypeArguments.Any(a => a.Name == argument)))
            .Select(f => f.GetValue(target))
            .FirstOrDefault(v => v is not null);

    private static IEnumerable<object> FieldsOfType(object target, string typeName) =>
        AllFields(target.GetType()).Where(f => f.FieldType.Name == typeName).Select(f => f.GetValue(target)).OfType<object>();

    private static Array? FieldsOfArray(object target) =>
        AllFields(target.GetType()).Where(f => f.FieldType.IsArray).Select(f => f.GetValue(target)).OfType<Array>().FirstOrDefault();
}
