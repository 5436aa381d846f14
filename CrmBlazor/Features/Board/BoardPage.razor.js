// Loads the next page of a column when its "load more" sentinel scrolls into view (the button stays as a fallback).
let observer = null;
let board = null;

export function init(dotnet) {
    board = dotnet;
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
    observer?.disconnect();
    observer = null;
    board = null;
}

// Focus for the keyboard: the first of the elements matching the selector (a card's list of relationships to move to).
// The drop zones render their items a frame or two after the page: a few frames are allowed for the element to appear.
export function focusFirst(selector, frames = 10) {
    const el = document.querySelector(selector);
    if (el) {
        el.focus();
    } else if (frames > 0) {
        requestAnimationFrame(() => focusFirst(selector, frames - 1));
    }
}
