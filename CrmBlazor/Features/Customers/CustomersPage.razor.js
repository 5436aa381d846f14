// Remembers a column's width after the user drags its header's edge. MudBlazor resizes the column itself and raises no
// event, but its resizer carries "mud-resizing" during a drag: the class going away marks the drag's end.
// Also turns a double-click on a cell into the page's EditCell: one listener for the grid instead of a handler per
// cell, which every idle circuit would keep.
let observer = null;
let page = null;
let grid = null;
let hint = null;

// The field of an editable cell, from its class "f-<field>"; the row's customer is its checkbox's value.
const cellOf = target => {
    const td = target instanceof Element ? target.closest('td.cell-view') : null;
    if (!td || td.querySelector('.cell-editor')) {
        return null;
    }
    const field = [...td.classList].find(c => c.startsWith('f-'));
    const id = td.closest('tr')?.querySelector('input[type=checkbox]')?.value;
    return field && id ? { td, field: field.substring(2), id: parseInt(id, 10) } : null;
};

const onDoubleClick = e => {
    const cell = cellOf(e.target);
    if (cell && page) {
        page.invokeMethodAsync('EditCell', cell.id, cell.field);
    }
};

const onPointerOver = e => {
    const cell = cellOf(e.target);
    if (cell && hint && !cell.td.title) {
        cell.td.title = hint;
    }
};

const columnOf = th => {
    for (const c of th.classList) {
        if (c.startsWith('colkey-')) {
            return c.substring(7);
        }
    }
    return null;
};

export function init(dotnet, doubleClickHint) {
    page = dotnet;
    hint = doubleClickHint;
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
    grid = document.querySelector('[data-testid=customer-grid]') || document.body;
    observer.observe(grid, { subtree: true, attributes: true, attributeFilter: ['class'], attributeOldValue: true });
    grid.addEventListener('dblclick', onDoubleClick);
    grid.addEventListener('pointerover', onPointerOver);
}

export function dispose() {
    observer?.disconnect();
    observer = null;
    grid?.removeEventListener('dblclick', onDoubleClick);
    grid?.removeEventListener('pointerover', onPointerOver);
    grid = null;
    page = null;
}
