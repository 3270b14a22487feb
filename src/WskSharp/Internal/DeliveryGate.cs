namespace WskSharp.Internal;

/// <summary>
/// The one-deliverer rule of a socket's event callbacks: one thread at a time indicates events, in order, outside the
/// engine's lock; another thread asking meanwhile is not turned away empty-handed but makes the deliverer go round once
/// more. The state lives in each engine (a field, guarded by its lock); the loop is <see cref="EngineCore.DeliverEvents"/>.
/// </summary>
internal struct DeliveryGate
{
    private bool _delivering;
    private bool _again;

    /// <summary>Under the lock: a deliverer is at work (it goes round again if asked).</summary>
    public readonly bool Delivering => _delivering;

    /// <summary>Under the lock, as a deliverer starts deciding its next event: a request made before now is answered by
    /// this decision, so it need not make another round.</summary>
    public void Deciding() => _again = false;

    /// <summary>Under the lock: true if the caller is now the deliverer; false if another is delivering (it will go round
    /// again for this request).</summary>
    public bool TryEnter()
    {
        if (_delivering)
        {
            _again = true;
            return false;
        }

        _delivering = true;
        return true;
    }

    /// <summary>Under the lock, when the deliverer found nothing more: true if it is done; false if a request came while it
    /// was finishing, so it must go round again rather than lose it.</summary>
    public bool TryLeave()
    {
        _delivering = _again;
        return !_delivering;
    }

    /// <summary>Under the lock: the deliverer is leaving on an exception.</summary>
    public void Abandon() => _delivering = false;
}

/// <summary>An engine whose events <see cref="EngineCore.DeliverEvents"/> delivers.</summary>
internal interface IEventDeliverer
{
    /// <summary>Decides the next event under the engine's lock and delivers it outside the lock: false if there was none.</summary>
    bool DeliverNext();
}
