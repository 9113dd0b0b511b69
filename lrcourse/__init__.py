"""lrcourse: the helper package of an interactive course on learning-rate schedules in PyTorch.

Importing it has no side effects: no seeding, no rcParams, no downloads.
The course's notebooks import what they need from the submodules, for example
``from lrcourse.curves import lr_curve``.
"""

__all__ = ["setup_notebook"]

__version__ = "0.1.0"


def setup_notebook(seed: int = 0, device=None):
    r"""What every notebook's setup cell does: threads, versions, device, data source, seed.

    Sizes torch's CPU threads (:func:`~lrcourse.device.apply_thread_setting`:
    ``LRCOURSE_THREADS``, else torch's choice capped by the CPU quota and the
    affinity mask), prints one line of package versions, the device with its
    threads (and what capped them, if anything did), and the line that says
    which MNIST is in use, then seeds Python, NumPy and torch.

    Args:
        seed (int): the seed. Default: ``0``.
        device (str, optional): force a device, for example ``"cpu"``. Default:
            :func:`~lrcourse.device.pick_device`'s choice.

    Returns:
        (device, mnist, generator): the torch device, the
        :class:`~lrcourse.data.MNISTData` splits on it, and a CPU generator
        seeded with ``seed`` for the data order.

    Example:
        >>> device, mnist, generator = setup_notebook(0, device="cpu")  # doctest: +ELLIPSIS
        python ...
        Device: cpu ...
        Data: ...
    """
    from .data import load_mnist
    from .device import apply_thread_setting, describe_device, pick_device, seed_everything, thread_choice, versions

    _, reason = thread_choice()  # what caps torch's own choice, if anything (asked before it changes)
    apply_thread_setting()
    print(versions())
    device = pick_device(device)
    print("Device:", describe_device(device) + (f", from {reason}" if reason and device.type == "cpu" else ""))
    mnist = load_mnist(device)
    return device, mnist, seed_everything(seed)
