// The monitor: datapath events with wall-clock times and lost-event accounting, for the flow pipeline.
export * from './ktime-clock.js';
export * from './monitor.js';
