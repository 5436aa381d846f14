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
