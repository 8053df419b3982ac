// The lab 12 site's self-check: once the page has loaded, say whether the stylesheet was
// applied and the image decoded. A headless browser in the tests reads this line back.
window.addEventListener('load', function () {
    var bg = getComputedStyle(document.body).backgroundColor;
    var css = bg === 'rgb(250, 248, 240)' ? 'loaded' : 'missing';
    var img = document.getElementById('threads');
    var pic = img.complete && img.naturalWidth > 0
        ? img.naturalWidth + 'x' + img.naturalHeight : 'missing';
    document.getElementById('check').textContent =
        'check: stylesheet ' + css + ', image ' + pic + ', script loaded';
});
