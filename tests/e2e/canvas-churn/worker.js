// Draws a frame every 10 ms on the canvas it was given, until it is ended.
onmessage = ({ data: canvas }) => {
  const ctx = canvas.getContext('2d');
  let n = 0;
  setInterval(() => {
    ctx.fillStyle = `hsl(${n % 360} 50% 50%)`;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#fff';
    ctx.font = '20px monospace';
    ctx.fillText(`frame ${n}`, 10, 35);
    n++;
    if (n % 10 === 0) postMessage(10);
  }, 10);
};
