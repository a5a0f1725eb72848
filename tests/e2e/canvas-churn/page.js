// Counts what the page has done, for the test to read: frames the workers
// drew, workers started and ended, frames the page drew.
const tally = (window.tally = { frames: 0, started: 0, ended: 0, pageFrames: 0 });
const stage = document.getElementById('stage');
const log = document.getElementById('log');

/** A worker that draws on a canvas of its own, ended from here after `lifeMs` (never if 0). */
function drawer(lifeMs) {
  const canvas = document.createElement('canvas');
  canvas.width = 300;
  canvas.height = 60;
  stage.append(canvas);
  const offscreen = canvas.transferControlToOffscreen();
  const worker = new Worker('worker.js');
  tally.started++;
  worker.onmessage = ({ data }) => {
    tally.frames += data;
  };
  worker.postMessage(offscreen, [offscreen]);
  if (lifeMs) {
    setTimeout(() => {
      worker.terminate();
      canvas.remove();
      tally.ended++;
    }, lifeMs);
  }
}

/** The page's own drawing, every frame: a canvas and a transcript that scrolls. */
const ctx = document.getElementById('timeline').getContext('2d');
function frame() {
  ctx.fillStyle = `hsl(${(tally.pageFrames * 3) % 360} 60% 40%)`;
  ctx.fillRect(0, 0, 400, 80);
  const line = document.createElement('p');
  line.textContent = `line ${tally.pageFrames}`;
  log.append(line);
  if (log.childElementCount > 200) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
  tally.pageFrames++;
  requestAnimationFrame(frame);
}

drawer(0);
setInterval(() => drawer(100 + Math.random() * 100), 100);
requestAnimationFrame(frame);
