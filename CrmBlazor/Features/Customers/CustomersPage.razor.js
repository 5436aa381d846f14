// Remembers a column's width after the user drags its header's edge. MudBlazor resizes the column itself and raises no
// event, but its resizer carries "mud-resizing" during a drag: the class going away marks the drag's end.
let observer = null;
let page = null;

const columnOf = th => {
    for (const c of th.classList) {
        if (c.startsWith('colkey-')) {
            return c.substring(7);
        }
    }
    return null;
};

export function init(dotnet) {
    page = dotnet;
    observer = new MutationObserver(records => {
        for (const r of records) {
            const el = r.target;
            if (!(el instanceof Element) || !el.classList.contains('mud-resizer')) {
                continue;
            }
            const was = (r.oldValue || '').split(/\s+/).includes('mud-resizing');
            if (was && !el.classList.contains('mud-resizing')) {
                const th = el.closest('th');
                const key = th && columnOf(th);
                if (key && page) {
                    page.invokeMethodAsync('ColumnResized', key, Math.round(th.getBoundingClientRect().width));
                }
            }
        }
    });
    const grid = document.querySelector('[data-testid=customer-grid]') || document.body;
    observer.observe(grid, { subtree: true, attributes: true, attributeFilter: ['class'], attributeOldValue: true });
}

export function dispose() {
    observer?.disconnect();
    observer = null;
    page = null;
}
