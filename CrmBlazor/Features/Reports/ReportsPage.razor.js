// A bar of a report chart opens the customers behind it. MudBlazor's bar chart raises no click for a bar, so one listener
// on the document maps a click on the n-th bar of a chart to the n-th link its container lists (data-bar-links).
let bound = false;

export function linkBars() {
    if (bound) {
        return;
    }

    bound = true;
    document.addEventListener('click', e => {
        const bar = e.target instanceof Element ? e.target.closest('path.mud-chart-bar') : null;
        const chart = bar?.closest('[data-bar-links]');
        if (!chart) {
            return;
        }

        const bars = Array.from(chart.querySelectorAll('path.mud-chart-bar'));
        const links = JSON.parse(chart.dataset.barLinks || '[]');
        const href = links[bars.indexOf(bar)];
        if (href) {
            window.Blazor.navigateTo(href);
        }
    });
}
