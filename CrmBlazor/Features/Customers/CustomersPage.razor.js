// Resizes a column when the user drags its header's edge (.mud-resizer) and tells the page the width at the drag's end,
// which remembers it. Also turns a double-click on a cell into the page's EditCell: one listener for the grid instead of
// a handler per cell, which every idle circuit would keep.
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

// A drag on a header's edge: the column follows the pointer; its width is saved when the pointer is let go.
let drag = null;

const onPointerDown = e => {
    const resizer = e.target instanceof Element ? e.target.closest('.mud-resizer') : null;
    const th = resizer?.closest('th');
    if (!th || e.button !== 0) {
        return;
    }
    e.preventDefault();
    drag = { th, resizer, key: columnOf(th), startX: e.clientX, startWidth: th.getBoundingClientRect().width, pointerId: e.pointerId };
    resizer.setPointerCapture?.(e.pointerId);
    resizer.classList.add('mud-resizing');
    // The whole table shows the resize cursor while the drag is on, wherever the pointer goes.
    th.closest('table')?.classList.add('cursor-col-resize');
};

const onPointerMove = e => {
    if (!drag || e.pointerId !== drag.pointerId) {
        return;
    }
    const rtl = getComputedStyle(drag.th).direction === 'rtl';
    const width = Math.max(48, Math.round(drag.startWidth + (rtl ? drag.startX - e.clientX : e.clientX - drag.startX)));
    drag.th.style.width = width + 'px';
    drag.th.style.minWidth = width + 'px';
};

const onPointerUp = e => {
    if (!drag || e.pointerId !== drag.pointerId) {
        return;
    }
    const { th, resizer, key } = drag;
    drag = null;
    resizer.classList.remove('mud-resizing');
    th.closest('table')?.classList.remove('cursor-col-resize');
    if (key && page) {
        page.invokeMethodAsync('ColumnResized', key, Math.round(th.getBoundingClientRect().width));
    }
};

export function init(dotnet, doubleClickHint) {
    page = dotnet;
    hint = doubleClickHint;
    grid = document.querySelector('[data-testid=customer-grid]') || document.body;
    grid.addEventListener('dblclick', onDoubleClick);
    grid.addEventListener('pointerover', onPointerOver);
    grid.addEventListener('pointerdown', onPointerDown);
    grid.addEventListener('pointermove', onPointerMove);
    grid.addEventListener('pointerup', onPointerUp);
    grid.addEventListener('pointercancel', onPointerUp);
}

export function dispose() {
    grid?.removeEventListener('dblclick', onDoubleClick);
    grid?.removeEventListener('pointerover', onPointerOver);
    grid?.removeEventListener('pointerdown', onPointerDown);
    grid?.removeEventListener('pointermove', onPointerMove);
    grid?.removeEventListener('pointerup', onPointerUp);
    grid?.removeEventListener('pointercancel', onPointerUp);
    grid = null;
    page = null;
    drag = null;
}
