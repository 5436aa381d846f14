// Loads the next page of a column when its "load more" sentinel scrolls into view (the button stays as a fallback).
let observer = null;
let board = null;

// A column header being dragged: mark the document, so that every column's overlay takes the drop (CSS).
// The column under a dragged card or header is outlined here, in the browser: the browser fires dragover many times a
// second, and each one sent to the server came back a round trip late and re-rendered the whole board.
let dragSource = null;
let dropTarget = null;

const markTarget = column => {
    if (column === dropTarget) {
        return;
    }

    dropTarget?.classList.remove('column-drop-target');
    column?.classList.add('column-drop-target');
    dropTarget = column;
};

const columnDragStart = e => {
    if (!(e.target instanceof Element)) {
        return;
    }

    const dragged = e.target.closest('[data-testid=board-card][draggable=true], [data-testid=board-column-header][draggable=true]');
    dragSource = dragged?.closest('[data-testid=board-column]') ?? null;
    // A card is markup without a handler of its own: the page learns here which card a drop will move.
    if (dragged?.matches('[data-testid=board-card]') && board) {
        board.invokeMethodAsync('CardDragStart', parseInt(dragged.dataset.customer, 10));
    }
    if (e.target.closest('[data-testid=board-column-header][draggable=true]')) {
        document.documentElement.classList.add('board-column-dragging');
    }
};

const columnDragOver = e => {
    if (!dragSource) {
        return;
    }

    const column = e.target instanceof Element ? e.target.closest('[data-testid=board-column]') : null;
    markTarget(column && column !== dragSource ? column : null);
};

const columnDragEnd = () => {
    document.documentElement.classList.remove('board-column-dragging');
    markTarget(null);
    dragSource = null;
};

// A card's move button (markup, data-script=move): a click, or Enter or Space on it, opens the card's list of places.
const moveClick = e => {
    const button = e.target instanceof Element ? e.target.closest('button[data-script=move]') : null;
    const card = button?.closest('[data-testid=board-card]');
    if (card && board) {
        board.invokeMethodAsync('ToggleMoveFromScript', parseInt(card.dataset.customer, 10));
    }
};

export function init(dotnet) {
    board = dotnet;
    document.addEventListener('click', moveClick);
    document.addEventListener('dragstart', columnDragStart, true);
    document.addEventListener('dragover', columnDragOver, true);
    document.addEventListener('dragend', columnDragEnd, true);
    document.addEventListener('drop', columnDragEnd, true);
    if (!('IntersectionObserver' in window)) {
        return;
    }

    observer = new IntersectionObserver(entries => {
        for (const e of entries) {
            if (e.isIntersecting && board) {
                board.invokeMethodAsync('LoadMoreFromScroll', parseInt(e.target.dataset.relationship, 10));
            }
        }
    }, { rootMargin: '200px' });
    scan();
}

export function scan() {
    if (!observer) {
        return;
    }

    observer.disconnect();
    document.querySelectorAll('.board-load-more').forEach(el => observer.observe(el));
}

export function dispose() {
    document.removeEventListener('click', moveClick);
    document.removeEventListener('dragstart', columnDragStart, true);
    document.removeEventListener('dragover', columnDragOver, true);
    document.removeEventListener('dragend', columnDragEnd, true);
    document.removeEventListener('drop', columnDragEnd, true);
    columnDragEnd();
    observer?.disconnect();
    observer = null;
    board = null;
}

// Focus for the keyboard: the first element matching the selector (a card's list of relationships, or a moved card's
// button). The drop zones render their items after the page, and a live refresh may render a card again: the focus is
// put back for up to two seconds whenever it falls to the page body, until it has held for ten frames. Never taken back
// from an element the user moved to.
export function focusFirst(selector, timeoutMs = 2000) {
    const until = performance.now() + timeoutMs;
    let focused = false;
    let held = 0;
    const step = () => {
        const el = document.querySelector(selector);
        const active = document.activeElement;
        if (el && active === el) {
            if (++held >= 10) {
                return;
            }
        } else if (focused && active && active !== document.body) {
            return;
        } else if (el) {
            el.focus();
            focused = true;
            held = 0;
        }

        if (performance.now() < until) {
            requestAnimationFrame(step);
        }
    };
    step();
}
