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
